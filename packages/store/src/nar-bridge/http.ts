/** Small node:http helpers for nar-bridge: replies, bodies with limits, byte ranges. */
import type { IncomingMessage, ServerResponse } from "node:http";

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function reply(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array = "",
  headers: Record<string, string | number> = {},
  head = false,
): void {
  const b = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { "content-length": b.length, ...headers });
  res.end(head ? undefined : b);
}

/** Reads a whole body of at most `limit` bytes (413 beyond). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/**
 * Writes chunks with backpressure; false when the client went away. `written` is called with
 * each chunk the socket has finished writing.
 */
export async function writeStream(
  res: ServerResponse,
  chunks: AsyncIterable<Uint8Array>,
  written?: (chunk: Uint8Array) => void,
): Promise<boolean> {
  for await (const c of chunks) {
    if (res.destroyed) return false;
    const more = written
      ? res.write(c, (e) => {
          if (!e) written(c);
        })
      : res.write(c);
    if (!more) {
      const ok = await new Promise<boolean>((resolve) => {
        const done = (v: boolean) => {
          res.off("drain", onDrain);
          res.off("close", onClose);
          resolve(v);
        };
        const onDrain = () => done(true);
        const onClose = () => done(false);
        res.once("drain", onDrain);
        res.once("close", onClose);
      });
      if (!ok) return false;
    }
  }
  return true;
}

export type RangeResult =
  | { readonly kind: "full" }
  | { readonly kind: "range"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

/**
 * A `Range` header against a resource of `size` bytes (RFC 9110 §14): one `bytes=` range is
 * served as 206; several ranges, other units or syntax we do not know are ignored (the whole
 * resource, 200), as the RFC allows; a range starting beyond the end is 416.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "full" };
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: "unsatisfiable" };
  if (last < start) return { kind: "full" };
  return { kind: "range", start, end: last + 1 };
}

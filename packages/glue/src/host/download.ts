/**
 * Downloads for the fetchers: `file://` from the local file system, `http(s)://` with Node's
 * fetch. Everything else is refused. Failures (404, refused connections, truncated bodies) are
 * `FetchError`s naming the URL.
 */
import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";

export class FetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FetchError";
  }
}

function fail(url: string, why: string, cause?: unknown): never {
  throw new FetchError(`unable to download '${url}': ${why}`, { cause });
}

/** The body of `url` as a stream of chunks. */
export async function* downloadStream(url: string): AsyncGenerator<Uint8Array> {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    return fail(url, "not a valid URL", e);
  }
  if (u.protocol === "file:") {
    try {
      for await (const c of createReadStream(fileURLToPath(u))) yield c as Buffer;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      fail(url, err.code === "ENOENT" ? "No such file or directory" : err.message, e);
    }
    return;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    return fail(url, `unsupported URL scheme '${u.protocol.slice(0, -1)}'`);
  let res: Response;
  try {
    res = await fetch(u, { redirect: "follow" });
  } catch (e) {
    return fail(url, (e as Error).cause ? String((e as Error).cause) : (e as Error).message, e);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => {});
    return fail(url, `HTTP error ${res.status}`);
  }
  const expected = Number(res.headers.get("content-length") ?? Number.NaN);
  let got = 0;
  try {
    for await (const c of res.body) {
      got += c.length;
      yield c;
    }
  } catch (e) {
    fail(url, `transfer interrupted (${(e as Error).message})`, e);
  }
  // Content-Encoding aside, a body shorter than announced is a truncated download.
  if (!res.headers.get("content-encoding") && Number.isFinite(expected) && got !== expected)
    fail(url, `transfer truncated (${got} of ${expected} bytes)`);
}

export async function download(url: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of downloadStream(url)) parts.push(c);
  return Buffer.concat(parts);
}

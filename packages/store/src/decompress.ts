/**
 * Decompression of NARs by the compression a narinfo (or a NAR file name) declares: none, xz,
 * bzip2, zstd, gzip (castore's streaming decoders) and brotli (node:zlib). The data must really
 * be in the declared format: the magic bytes are checked, so a mislabelled file is an error
 * instead of being passed through as if it were a NAR.
 */
import { createBrotliDecompress } from "node:zlib";
import { decompress, detectCompression } from "@tvix-ts/castore";
import { StoreError } from "./errors.ts";
import { through } from "./through.ts";

export type NarCompression = "none" | "xz" | "bzip2" | "zstd" | "gzip" | "br";

const ALIASES: Record<string, NarCompression> = {
  none: "none",
  "": "none",
  xz: "xz",
  bzip2: "bzip2",
  zstd: "zstd",
  gzip: "gzip",
  br: "br",
};

/** Our name for a narinfo `Compression:` value (missing means bzip2), or undefined. */
export function narCompression(value: string | undefined): NarCompression | undefined {
  return ALIASES[value ?? "bzip2"];
}

/** Decompresses `source` as `method`; errors are `StoreError`s with code `decompress`. */
export async function* decompressAs(
  method: NarCompression,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (method === "none") {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < 6) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    have += r.value.length;
  }
  const first = Buffer.concat(head);
  async function* replay(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  try {
    if (method === "br") {
      yield* through(replay(), createBrotliDecompress());
      return;
    }
    const found = detectCompression(first);
    if (found !== method) {
      throw new StoreError(
        "decompress",
        `data declared as ${method} is ${found === "none" ? "not compressed that way" : found}`,
      );
    }
    yield* decompress(replay());
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError("decompress", `${method}: ${(e as Error).message}`, { cause: e });
  }
}

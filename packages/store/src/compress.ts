/**
 * Compressing NAR streams for serving: zstd, gzip and brotli by node:zlib, xz by
 * `@napi-rs/lzma` (or the `xz` program when the native module cannot load), bzip2 by the
 * `bzip2` program. Used where a client asks for a NAR under the compressed name it uploaded.
 */
import { spawn } from "node:child_process";
import { type Duplex, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createBrotliCompress, createGzip, createZstdCompress } from "node:zlib";
import type { NarCompression } from "./decompress.ts";
import { through } from "./through.ts";

async function* program(cmd: string, args: string[], src: AsyncIterable<Uint8Array>) {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "ignore"] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const feeding = pipeline(Readable.from(src, { objectMode: false }), child.stdin).catch(() => {});
  let ok = false;
  try {
    yield* child.stdout as AsyncIterable<Uint8Array>;
    await feeding;
    const code = await exited;
    if (code !== 0) throw new Error(`${cmd} exited with ${code}`);
    ok = true;
  } finally {
    if (!ok) child.kill();
  }
}

export async function* compressAs(
  method: NarCompression,
  src: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  switch (method) {
    case "none":
      yield* src;
      return;
    case "zstd":
      yield* through(src, createZstdCompress());
      return;
    case "gzip":
      yield* through(src, createGzip());
      return;
    case "br":
      yield* through(src, createBrotliCompress());
      return;
    case "bzip2":
      yield* program("bzip2", ["-c"], src);
      return;
    case "xz": {
      let create: (() => Duplex) | undefined;
      try {
        ({ createCompressStream: create } = await import("@napi-rs/lzma/xz"));
      } catch {
        create = undefined;
      }
      if (create) yield* through(src, create());
      else yield* program("xz", ["-c", "-T1"], src);
      return;
    }
  }
}

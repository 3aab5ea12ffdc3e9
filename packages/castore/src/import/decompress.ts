/**
 * Decompression for archives whose compression is unknown (fetchTarball does not trust file
 * names): the first bytes decide. gzip and zstd use node:zlib; xz uses `@napi-rs/lzma` (native)
 * and bzip2 `unbzip2-stream` (pure JS); both are loaded only when such input shows up. Anything else passes through unchanged (an uncompressed tar).
 * All of them stream: memory stays at the decoders' windows.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { PassThrough, Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { ImportError } from "./errors.ts";

export type Compression = "gzip" | "bzip2" | "xz" | "zstd" | "none";

const MAGICS: readonly [Compression, readonly number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["bzip2", [0x42, 0x5a, 0x68]], // "BZh"
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
];
const SNIFF = 6;

/** The compression `head` (the stream's first bytes, at least 6 if it has them) starts with. */
export function detectCompression(head: Uint8Array): Compression {
  for (const [kind, magic] of MAGICS) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return kind;
  }
  return "none";
}

/** The decompressed stream (or the input itself when it is not compressed). */
export async function* decompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  // Collect the first few bytes without losing any: they are replayed in front of the rest.
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < SNIFF) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    have += r.value.length;
  }
  const joined = Buffer.concat(head);
  const kind = detectCompression(joined);
  async function* replay(): AsyncGenerator<Uint8Array> {
    if (joined.length > 0) yield joined;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  if (kind === "none") {
    yield* replay();
    return;
  }
  try {
    for await (const piece of decoderFor(kind, replay())) yield piece as Uint8Array;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError("decompress", `(${kind} input)`, `${kind}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function decoderFor(kind: Exclude<Compression, "none">, input: AsyncIterable<Uint8Array>) {
  switch (kind) {
    case "gzip":
      return through(input, createGunzip());
    case "zstd":
      return through(input, createZstdDecompress());
    case "xz":
      return xz(input);
    case "bzip2":
      return bzip2(input);
  }
}

/**
 * Pipes `input` through a Node transform with backpressure and error propagation; stopping
 * early tears both down (and so returns the input iterator).
 */
async function* through(
  input: AsyncIterable<Uint8Array>,
  t: Transform,
): AsyncGenerator<Uint8Array> {
  const src = Readable.from(input, { objectMode: false });
  src.on("error", (e) => t.destroy(e));
  try {
    yield* src.pipe(t);
  } finally {
    src.destroy();
  }
}

/**
 * xz through `@napi-rs/lzma` (native, streaming with backpressure). Its prebuilt binding is an
 * optional dependency that npm skips on Node versions outside the package's engine range; then
 * the `xz` program does the work, and without either the input is refused with a clear error.
 */
async function* xz(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let decompressStream: ((s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>) | undefined;
  // TVIX_XZ=program forces the fallback (tests use it).
  if (process.env.TVIX_XZ !== "program") {
    try {
      ({ decompressStream } = await import("@napi-rs/lzma/xz"));
    } catch {
      decompressStream = undefined;
    }
  }
  if (!decompressStream) {
    yield* program("xz", ["-dc"], input);
    return;
  }
  const reader = decompressStream(ReadableStream.from(input)).getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
  }
}

/** Runs a decompressor program as a filter (stdin -> stdout), streaming both ways. */
async function* program(
  cmd: string,
  args: string[],
  input: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (e) =>
      reject(
        new ImportError(
          "decompress",
          `(${cmd} input)`,
          `cannot decompress: the native decoder is not installed and running ${cmd} failed (${e.message})`,
          { cause: e },
        ),
      ),
    );
  });
  await spawned;
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  const feeding = pipeline(Readable.from(input, { objectMode: false }), child.stdin).catch(
    () => {}, // EPIPE when the program dies early: its exit status tells why
  );
  let finished = false;
  try {
    yield* child.stdout;
    await feeding;
    const code = await exited;
    if (code !== 0) throw new Error(`${cmd} exited with ${code}: ${stderr.trim()}`);
    finished = true;
  } finally {
    if (!finished) child.kill();
  }
}

type Bunzip2 = () => NodeJS.ReadWriteStream;

async function* bzip2(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const unbzip2 = createRequire(import.meta.url)("unbzip2-stream") as Bunzip2;
  const decoder = unbzip2();
  const src = Readable.from(input, { objectMode: false });
  // unbzip2-stream is an old-style stream: wrap it so backpressure and errors reach us.
  const out = new PassThrough();
  src.on("error", (e) => out.destroy(e));
  decoder.on("error", (e: Error) => out.destroy(e));
  src.pipe(decoder).pipe(out);
  try {
    yield* out;
  } finally {
    src.destroy();
  }
}

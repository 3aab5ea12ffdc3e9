/**
 * Worker side of `ChunkStorePool` (chunk-store-pool.ts). Each writer opens a stream: its bytes
 * arrive as they were read (transferred, not copied), followed by the lengths of the chunks
 * the main thread cut them into. For each chunk the worker takes that many bytes off the front
 * of the stream, hashes them, and stores them into an `objectstore+file` root unless they are
 * already there: encoded (zstd-chunk.ts) and written with blocking calls, which on this thread
 * cost no thread-pool round trips. It replies with the chunk's digest once the chunk is in place.
 */
import { parentPort } from "node:worker_threads";
import { blake3Bytes } from "../model/blake3.ts";
import { FileObjectWriter } from "../objectstore/file.ts";
import { shardedKey } from "../objectstore/types.ts";
import { encodeChunkSync } from "../objectstore/zstd-chunk.ts";

export type StoreRequest =
  /** A new stream, storing into `root` (made ready by `localWriteRoot()`). */
  | { readonly t: "open"; readonly s: number; readonly root: string }
  /** The stream's next bytes. */
  | { readonly t: "data"; readonly s: number; readonly data: Uint8Array }
  /** The next `len` bytes are a chunk; `digest` is given when the sender knows it already. */
  | {
      readonly t: "chunk";
      readonly s: number;
      readonly id: number;
      readonly len: number;
      readonly digest?: Uint8Array;
    }
  /** The stream is done (any bytes not taken by a chunk are dropped). */
  | { readonly t: "end"; readonly s: number }
  /** One chunk on its own (no stream): a blob that is one chunk, say. */
  | {
      readonly t: "put";
      readonly id: number;
      readonly root: string;
      readonly data: Uint8Array;
      readonly digest?: Uint8Array;
    };

/** The answer to a chunk message. */
export type ChunkReply =
  | { readonly id: number; readonly kind: "ok"; readonly digest: Uint8Array }
  | { readonly id: number; readonly kind: "io"; readonly message: string };

export type StoreReply =
  | ChunkReply
  /** Memory of data messages this thread is done with, given back for reuse. */
  | { readonly id: -1; readonly kind: "spare"; readonly buffers: ArrayBuffer[] };

interface Stream {
  readonly writer: FileObjectWriter;
  readonly parts: Uint8Array[];
  /** Bytes of parts[0] already taken. */
  used: number;
}

const writers = new Map<string, FileObjectWriter>();
const streams = new Map<number, Stream>();
/** Data buffers fully taken, to give back once nothing here views them any more. */
let done: ArrayBuffer[] = [];

function release(p: Uint8Array): void {
  if (p.byteOffset === 0 && p.byteLength === p.buffer.byteLength) {
    done.push(p.buffer as ArrayBuffer);
  }
}

/** Gives back the buffers taken so far (after the chunk that viewed them is stored). */
function giveBack(): void {
  if (done.length === 0) return;
  const buffers = done;
  done = [];
  const msg: StoreReply = { id: -1, kind: "spare", buffers };
  parentPort!.postMessage(msg, buffers);
}

/** The next `len` bytes of the stream (a view when they lie in one piece, else a copy). */
function take(st: Stream, len: number): Uint8Array {
  const first = st.parts[0];
  if (first && first.length - st.used >= len) {
    const view = first.subarray(st.used, st.used + len);
    st.used += len;
    if (st.used === first.length) {
      release(st.parts.shift()!);
      st.used = 0;
    }
    return view;
  }
  const out = new Uint8Array(Buffer.allocUnsafeSlow(len).buffer, 0, len);
  let o = 0;
  while (o < len) {
    const p = st.parts[0];
    if (!p) throw new Error("chunk runs past the stream's bytes");
    const n = Math.min(len - o, p.length - st.used);
    out.set(p.subarray(st.used, st.used + n), o);
    o += n;
    st.used += n;
    if (st.used === p.length) {
      release(st.parts.shift()!);
      st.used = 0;
    }
  }
  return out;
}

function writerFor(root: string): FileObjectWriter {
  let writer = writers.get(root);
  if (!writer) {
    writer = new FileObjectWriter(root);
    writers.set(root, writer);
  }
  return writer;
}

function storeChunk(writer: FileObjectWriter, data: Uint8Array, known?: Uint8Array): Uint8Array {
  const digest = known ?? blake3Bytes(data);
  const hex = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString("hex");
  const key = shardedKey("chunks", hex);
  if (!writer.has(key)) writer.put(key, encodeChunkSync(data));
  return digest;
}

/** Runs `store` for a chunk message and posts its reply. */
function answer(id: number, store: () => Uint8Array): void {
  let reply: ChunkReply;
  try {
    reply = { id, kind: "ok", digest: store() };
  } catch (e) {
    reply = { id, kind: "io", message: (e as Error).message };
  }
  parentPort!.postMessage(reply);
}

parentPort?.on("message", (req: StoreRequest) => {
  switch (req.t) {
    case "open":
      streams.set(req.s, { writer: writerFor(req.root), parts: [], used: 0 });
      return;
    case "data":
      streams.get(req.s)?.parts.push(req.data);
      return;
    case "chunk":
      answer(req.id, () => {
        const st = streams.get(req.s);
        if (!st) throw new Error("chunk for a stream that is not open");
        return storeChunk(st.writer, take(st, req.len), req.digest);
      });
      giveBack();
      return;
    case "put":
      answer(req.id, () => storeChunk(writerFor(req.root), req.data, req.digest));
      return;
    case "end": {
      const st = streams.get(req.s);
      streams.delete(req.s);
      if (st) {
        for (const p of st.parts) release(p);
        giveBack();
      }
      return;
    }
  }
});

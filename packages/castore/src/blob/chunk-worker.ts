/**
 * Worker side of `ChunkReadPool` (chunk-pool.ts): reads a stored chunk file, decompresses it
 * and verifies it against its BLAKE3 digest, then hands the bytes back (transferred, no copy).
 * Only verified bytes ever leave this thread.
 */
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { blake3, digestEquals } from "../model/digest.ts";
import { zstdDecompressFresh, zstdDecompressObject } from "../objectstore/zstd-read.ts";

export interface ChunkRequest {
  readonly id: number;
  readonly path: string;
  readonly digest: Uint8Array;
}

export type ChunkReply =
  | { readonly id: number; readonly kind: "ok"; readonly data: Uint8Array }
  | { readonly id: number; readonly kind: "missing" }
  | { readonly id: number; readonly kind: "not-zstd" | "invalid" | "io"; readonly message: string };

/** Whether `b` is the only view of its memory (its own ArrayBuffer, not a pool slice). */
const sole = (b: Uint8Array) => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;

/**
 * The reply's buffer may move to the main thread when nothing else here views it: it is the
 * whole of its memory (a fresh copy), or a view of the read buffer, which was ours alone.
 */
function transferable(data: Uint8Array, read: Uint8Array): ArrayBuffer[] {
  if (sole(data) || (data.buffer === read.buffer && sole(read))) {
    return [data.buffer as ArrayBuffer];
  }
  return [];
}

async function handle(req: ChunkRequest): Promise<{ reply: ChunkReply; transfer: ArrayBuffer[] }> {
  const none: ArrayBuffer[] = [];
  let stored: Uint8Array;
  try {
    stored = readFileSync(req.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      return { reply: { id: req.id, kind: "missing" }, transfer: none };
    }
    return { reply: { id: req.id, kind: "io", message: (e as Error).message }, transfer: none };
  }
  let data: Uint8Array;
  let fresh: boolean;
  try {
    // In place: `stored` is this thread's own buffer, and the retry below only runs after the
    // zlib path, which leaves it untouched.
    ({ data, fresh } = await zstdDecompressObject(stored, { inPlace: true }));
  } catch (e) {
    return {
      reply: { id: req.id, kind: "not-zstd", message: (e as Error).message },
      transfer: none,
    };
  }
  if (!digestEquals(blake3(data), req.digest)) {
    const again = fresh ? undefined : await zstdDecompressFresh(stored).catch(() => undefined);
    if (!again || !digestEquals(blake3(again), req.digest)) {
      return {
        reply: { id: req.id, kind: "invalid", message: "contents invalid" },
        transfer: none,
      };
    }
    data = again;
  }
  return { reply: { id: req.id, kind: "ok", data }, transfer: transferable(data, stored) };
}

parentPort?.on("message", (req: ChunkRequest) => {
  void handle(req).then(({ reply, transfer }) => parentPort!.postMessage(reply, transfer));
});

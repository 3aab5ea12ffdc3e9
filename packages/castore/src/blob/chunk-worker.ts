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

async function handle(req: ChunkRequest): Promise<ChunkReply> {
  let stored: Uint8Array;
  try {
    stored = readFileSync(req.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { id: req.id, kind: "missing" };
    return { id: req.id, kind: "io", message: (e as Error).message };
  }
  let data: Uint8Array;
  let fresh: boolean;
  try {
    ({ data, fresh } = await zstdDecompressObject(stored));
  } catch (e) {
    return { id: req.id, kind: "not-zstd", message: (e as Error).message };
  }
  if (!digestEquals(blake3(data), req.digest)) {
    const again = fresh ? undefined : await zstdDecompressFresh(stored).catch(() => undefined);
    if (!again || !digestEquals(blake3(again), req.digest)) {
      return { id: req.id, kind: "invalid", message: "contents invalid" };
    }
    data = again;
  }
  return { id: req.id, kind: "ok", data };
}

parentPort?.on("message", (req: ChunkRequest) => {
  void handle(req).then((reply) => {
    const transfer =
      reply.kind === "ok" &&
      reply.data.byteOffset === 0 &&
      reply.data.byteLength === reply.data.buffer.byteLength
        ? [reply.data.buffer as ArrayBuffer]
        : [];
    parentPort!.postMessage(reply, transfer);
  });
});

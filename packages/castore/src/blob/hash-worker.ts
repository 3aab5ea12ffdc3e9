/**
 * Worker side of `hashPool()` (hash-pool.ts): keeps one BLAKE3 hasher per blob being written and
 * feeds it the pieces the writers send, in the order they were sent. Pieces arrive moved, not
 * copied, and go back with the answer to be read into again.
 */
import { parentPort } from "node:worker_threads";
import { type Blake3Hasher, createBlake3 } from "../model/blake3.ts";

/** A request: `seq` numbers it for the answer. */
export type HashRequest =
  | {
      readonly op: "update";
      readonly seq: number;
      readonly id: number;
      readonly buffer: ArrayBuffer;
      readonly offset: number;
      readonly length: number;
    }
  | { readonly op: "digest"; readonly seq: number; readonly id: number }
  | { readonly op: "drop"; readonly id: number };

/** The answer to `seq`: done (with the digest, for "digest"), or why it failed. */
export interface HashReply {
  readonly seq: number;
  readonly digest?: Uint8Array;
  readonly error?: string;
  /** An update's buffer, given back. */
  readonly buffer?: ArrayBuffer;
}

const hashers = new Map<number, Blake3Hasher>();

/** Carries out one request; its answer, if it has one. */
export function handle(req: HashRequest): HashReply | undefined {
  if (req.op === "drop") {
    hashers.delete(req.id);
    return undefined;
  }
  try {
    let h = hashers.get(req.id);
    if (!h) {
      h = createBlake3();
      hashers.set(req.id, h);
    }
    if (req.op === "update") {
      h.update(new Uint8Array(req.buffer, req.offset, req.length));
      return { seq: req.seq, buffer: req.buffer };
    }
    hashers.delete(req.id);
    return { seq: req.seq, digest: h.digest() };
  } catch (e) {
    hashers.delete(req.id);
    return {
      seq: req.seq,
      error: (e as Error).message,
      ...(req.op === "update" ? { buffer: req.buffer } : {}),
    };
  }
}

parentPort?.on("message", (req: HashRequest) => {
  const reply = handle(req);
  if (reply) parentPort!.postMessage(reply, reply.buffer ? [reply.buffer] : []);
});

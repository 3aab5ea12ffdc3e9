/**
 * `objectstore+…` DirectoryService (castore-store.md §4.3): one object per closure root under
 * `dirs/b3/<4 hex>/<hex>`, holding a zstd stream of frames `[u32 BE length][canonical proto]` in
 * root-to-leaves breadth-first order. Only closure roots can be looked up (compose with `cache`
 * to reach inner directories). The object is written at once, so closures are all-or-nothing.
 */
import { promisify } from "node:util";
import { zstdDecompress } from "node:zlib";
import { concatBytes, plain } from "../bytes.ts";
import { DirectoryServiceError } from "../errors.ts";
import { type B3Digest, blake3, digestKey, digestToHex, digestToString } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import { decodeDirectory } from "../model/proto.ts";
import { type ObjectStore, shardedKey } from "../objectstore/types.ts";
import { zstdFrame } from "../objectstore/zstd.ts";
import { type ClosureOptions, DownloadValidator } from "./closure.ts";
import { BatchPutter } from "./putter.ts";
import type { DirectoryPutter, DirectoryService } from "./types.ts";

const decompress = promisify(zstdDecompress);

/** Tvix's frame length limit (its comment says 1 MiB; the constant is about 1000 MiB). */
const MAX_FRAME = 1024 * 1024 * 1000;
/**
 * The most a stored closure decompresses to. Nothing bounds a closure but memory (Tvix streams
 * it, only limiting each directory to `MAX_FRAME`; here it is read whole), so this is generous:
 * one directory of Tvix's largest, or a hundred times the closure of a Linux source tree (a
 * few MB). It stops a small object from claiming more: zstd makes gigabytes out of a few KiB,
 * which would all be allocated before the first frame is checked.
 */
const MAX_CLOSURE = 1024 * 1024 * 1024;

const dirKey = (d: Uint8Array) => shardedKey("dirs", digestToHex(d));

export class ObjectStoreDirectoryService implements DirectoryService {
  readonly #store: ObjectStore;
  readonly #options: ClosureOptions;

  constructor(store: ObjectStore, options: ClosureOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  async get(digest: B3Digest): Promise<Directory | undefined> {
    for await (const d of this.getRecursive(digest)) return d;
    return undefined;
  }

  /** Only leaf directories can be put alone; anything else needs a putter. */
  async put(directory: Directory): Promise<B3Digest> {
    if (directory.childDigests().length > 0) {
      throw new DirectoryServiceError(
        "invalid-request",
        "only putMultipleStart is supported for directories with children",
      );
    }
    const p = this.putMultipleStart();
    await p.put(directory);
    return p.close();
  }

  async *getRecursive(root: B3Digest): AsyncGenerator<Directory> {
    let stored: Uint8Array | undefined;
    try {
      stored = await this.#store.get(dirKey(root));
    } catch (e) {
      throw backendError(e);
    }
    if (!stored) return;
    let raw: Uint8Array;
    try {
      raw = plain(await decompress(stored, { maxOutputLength: MAX_CLOSURE }));
    } catch (e) {
      throw new DirectoryServiceError("integrity", `closure ${digestToString(root)} is not zstd`, {
        cause: e,
      });
    }
    const validator = new DownloadValidator(root, this.#options);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let off = 0;
    while (off < raw.length) {
      if (off + 4 > raw.length) throw truncated(root);
      const len = view.getUint32(off);
      if (len > MAX_FRAME || off + 4 + len > raw.length) throw truncated(root);
      const frame = raw.subarray(off + 4, off + 4 + len);
      off += 4 + len;
      const digest = blake3(frame);
      if (!validator.allowed(digest)) {
        throw new DirectoryServiceError(
          "integrity",
          `received unexpected directory ${digestToString(digest)} in closure ${digestToString(root)}`,
        );
      }
      let dir: Directory;
      try {
        dir = decodeDirectory(frame);
      } catch (e) {
        throw new DirectoryServiceError(
          "integrity",
          `corrupted directory: ${(e as Error).message}`,
        );
      }
      validator.add(digest, dir);
      yield dir;
    }
    validator.finish();
  }

  putMultipleStart(): DirectoryPutter {
    return new BatchPutter(async (root, leavesToRoot) => {
      const key = dirKey(root);
      try {
        if (await this.#store.head(key)) return;
        const byDigest = new Map(leavesToRoot.map((d) => [digestKey(d.digest()), d]));
        const frames: Uint8Array[] = [];
        for (const d of bfs(root, byDigest)) {
          const bytes = d.encode();
          const header = new Uint8Array(4);
          new DataView(header.buffer).setUint32(0, bytes.length);
          frames.push(header, bytes);
        }
        await this.#store.put(key, await zstdFrame(concatBytes(frames)));
      } catch (e) {
        throw backendError(e);
      }
    }, this.#options);
  }

  async close(): Promise<void> {}
}

/** Breadth-first from the root, each directory once, children in name order. */
function* bfs(root: B3Digest, byDigest: ReadonlyMap<string, Directory>): Generator<Directory> {
  const seen = new Set([digestKey(root)]);
  const queue = [digestKey(root)];
  for (let i = 0; i < queue.length; i++) {
    const d = byDigest.get(queue[i]!)!;
    yield d;
    for (const c of d.childDigests()) {
      const k = digestKey(c);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(k);
      }
    }
  }
}

function truncated(root: B3Digest): DirectoryServiceError {
  return new DirectoryServiceError("integrity", `closure ${digestToString(root)} is truncated`);
}

function backendError(e: unknown): DirectoryServiceError {
  if (e instanceof DirectoryServiceError) return e;
  return new DirectoryServiceError("backend", `object store: ${(e as Error).message}`, {
    cause: e,
  });
}

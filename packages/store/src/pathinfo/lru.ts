/** `lru://?capacity=N` PathInfoService: in memory, the N most recently used entries kept. */
import type { PathInfo } from "../path-info/path-info.ts";
import { digestKey } from "./digest.ts";
import type { PathInfoService } from "./types.ts";

export class LruPathInfoService implements PathInfoService {
  readonly capacity: number;
  /** A Map iterates in insertion order: the first key is the least recently used. */
  readonly #infos = new Map<string, PathInfo>();

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`lru capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  async get(digest: Uint8Array): Promise<PathInfo | undefined> {
    const key = digestKey(digest);
    const info = this.#infos.get(key);
    if (info) {
      this.#infos.delete(key);
      this.#infos.set(key, info);
    }
    return info;
  }

  async put(info: PathInfo): Promise<PathInfo> {
    const key = info.storePath.hashPart;
    this.#infos.delete(key);
    this.#infos.set(key, info);
    while (this.#infos.size > this.capacity) {
      this.#infos.delete(this.#infos.keys().next().value!);
    }
    return info;
  }

  async *list(): AsyncGenerator<PathInfo> {
    yield* [...this.#infos.values()];
  }

  async close(): Promise<void> {}
}

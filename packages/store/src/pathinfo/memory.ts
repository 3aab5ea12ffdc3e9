/** `memory://` PathInfoService: a map; put overwrites; lost on exit. */
import type { PathInfo } from "../path-info/path-info.ts";
import { digestKey } from "./digest.ts";
import type { PathInfoService } from "./types.ts";

export class MemoryPathInfoService implements PathInfoService {
  readonly #infos = new Map<string, PathInfo>();

  async get(digest: Uint8Array): Promise<PathInfo | undefined> {
    return this.#infos.get(digestKey(digest));
  }

  async put(info: PathInfo): Promise<PathInfo> {
    this.#infos.set(info.storePath.hashPart, info);
    return info;
  }

  async *list(): AsyncGenerator<PathInfo> {
    yield* [...this.#infos.values()];
  }

  async close(): Promise<void> {}
}

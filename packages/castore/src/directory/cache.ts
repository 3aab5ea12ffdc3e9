/**
 * `cache` combinator (castore-store.md §4.3): reads try `near` first; a miss pulls the whole
 * closure from `far`, validates it, fills `near` and answers. Unlike Tvix (where writes through a
 * cache fail and a miss in both is an error), writes go to `far` then `near`, and a miss in both
 * is simply absent.
 */

import { type B3Digest, digestKey } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import { type ClosureOptions, DownloadValidator, leavesToRoot } from "./closure.ts";
import { BatchPutter, putClosure } from "./putter.ts";
import type { DirectoryPutter, DirectoryService } from "./types.ts";

export class CacheDirectoryService implements DirectoryService {
  readonly near: DirectoryService;
  readonly far: DirectoryService;
  readonly #options: ClosureOptions;

  constructor(near: DirectoryService, far: DirectoryService, options: ClosureOptions = {}) {
    this.near = near;
    this.far = far;
    this.#options = options;
  }

  async get(digest: B3Digest): Promise<Directory | undefined> {
    const hit = await this.near.get(digest);
    if (hit) return hit;
    const closure = await this.#fetchFar(digest);
    return closure?.[0];
  }

  async *getRecursive(root: B3Digest): AsyncGenerator<Directory> {
    if (await this.near.get(root)) {
      yield* this.near.getRecursive(root);
      return;
    }
    const closure = await this.#fetchFar(root);
    if (closure) yield* closure;
  }

  /** The validated closure from far (root first), copied into near; undefined if far lacks it. */
  async #fetchFar(root: B3Digest): Promise<Directory[] | undefined> {
    const validator = new DownloadValidator(root, this.#options);
    const closure: Directory[] = [];
    for await (const d of this.far.getRecursive(root)) {
      validator.add(d.digest(), d);
      closure.push(d);
    }
    if (closure.length === 0) return undefined;
    validator.finish();
    const byDigest = new Map(closure.map((d) => [digestKey(d.digest()), d]));
    await putClosure(this.near, leavesToRoot(root, byDigest));
    return closure;
  }

  async put(directory: Directory): Promise<B3Digest> {
    const digest = await this.far.put(directory);
    await this.near.put(directory);
    return digest;
  }

  putMultipleStart(): DirectoryPutter {
    return new BatchPutter(async (_root, dirs) => {
      await putClosure(this.far, dirs);
      await putClosure(this.near, dirs);
    }, this.#options);
  }

  async close(): Promise<void> {
    await this.near.close();
    await this.far.close();
  }
}

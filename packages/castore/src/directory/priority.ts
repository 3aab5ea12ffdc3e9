/**
 * `priority` DirectoryService (tvix-ts): services tried in the order listed; the first that has
 * a directory (or a closure root) answers, and a closure is streamed from that one service.
 * Writes go to the first service.
 */

import { firstInOrder } from "../combine/answers.ts";
import { startClosure, streamClosure } from "../combine/closure-source.ts";
import type { B3Digest } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import type { DirectoryPutter, DirectoryService } from "./types.ts";

export class PriorityDirectoryService implements DirectoryService {
  readonly services: readonly DirectoryService[];

  constructor(services: readonly DirectoryService[]) {
    if (services.length === 0) throw new RangeError("priority needs at least one service");
    this.services = services;
  }

  get(digest: B3Digest): Promise<Directory | undefined> {
    return firstInOrder(this.services, (s) => s.get(digest));
  }

  async *getRecursive(root: B3Digest): AsyncGenerator<Directory> {
    yield* streamClosure(await firstInOrder(this.services, (s) => startClosure(s, root)));
  }

  put(directory: Directory): Promise<B3Digest> {
    return this.services[0]!.put(directory);
  }

  putMultipleStart(): DirectoryPutter {
    return this.services[0]!.putMultipleStart();
  }

  async close(): Promise<void> {
    for (const s of this.services) await s.close();
  }
}

/**
 * `race` DirectoryService (tvix-ts): reads go to all services at once; the first positive
 * answer wins, and a closure is streamed from the service that produced its root first (the
 * others' streams are abandoned). Writes go to the first service listed.
 */
import { firstToAnswer } from "../combine/answers.ts";
import { dropClosure, startClosure, streamClosure } from "../combine/closure-source.ts";
import type { B3Digest } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import type { DirectoryPutter, DirectoryService } from "./types.ts";

export class RaceDirectoryService implements DirectoryService {
  readonly services: readonly DirectoryService[];

  constructor(services: readonly DirectoryService[]) {
    if (services.length === 0) throw new RangeError("race needs at least one service");
    this.services = services;
  }

  get(digest: B3Digest): Promise<Directory | undefined> {
    return firstToAnswer(this.services, (s) => s.get(digest));
  }

  async *getRecursive(root: B3Digest): AsyncGenerator<Directory> {
    yield* streamClosure(
      await firstToAnswer(this.services, (s) => startClosure(s, root), dropClosure),
    );
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

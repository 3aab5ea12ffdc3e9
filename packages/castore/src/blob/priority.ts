/**
 * `priority` BlobService (tvix-ts): several services tried in the order listed; the first that
 * has a blob answers. Writes go to the first service. Useful for a fast local store in front of
 * slower shared ones, when (unlike `combined`) more than two are involved.
 */
import { firstInOrder } from "../combine/answers.ts";
import type { B3Digest } from "../model/digest.ts";
import type { BlobReader, BlobService, BlobStat, BlobWriter, OpenWriteOptions } from "./types.ts";

export class PriorityBlobService implements BlobService {
  readonly services: readonly BlobService[];

  constructor(services: readonly BlobService[]) {
    if (services.length === 0) throw new RangeError("priority needs at least one service");
    this.services = services;
  }

  async has(digest: B3Digest): Promise<boolean> {
    return (
      (await firstInOrder(this.services, async (s) =>
        (await s.has(digest)) ? true : undefined,
      )) === true
    );
  }

  stat(digest: B3Digest, options?: { withChunks?: boolean }): Promise<BlobStat | undefined> {
    return firstInOrder(this.services, (s) => s.stat(digest, options));
  }

  openRead(digest: B3Digest): Promise<BlobReader | undefined> {
    return firstInOrder(this.services, (s) => s.openRead(digest));
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return this.services[0]!.openWrite(options);
  }

  async close(): Promise<void> {
    for (const s of this.services) await s.close();
  }
}

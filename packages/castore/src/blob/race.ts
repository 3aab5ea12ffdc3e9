/**
 * `race` BlobService (tvix-ts): every read is sent to all services at once and the first
 * positive answer wins (replicas at different distances, mirrors). A reader opened by a slower
 * service after the winner is closed unused. Writes go to the first service listed.
 */
import { firstToAnswer } from "../combine/answers.ts";
import type { B3Digest } from "../model/digest.ts";
import type { BlobReader, BlobService, BlobStat, BlobWriter, OpenWriteOptions } from "./types.ts";

export class RaceBlobService implements BlobService {
  readonly services: readonly BlobService[];

  constructor(services: readonly BlobService[]) {
    if (services.length === 0) throw new RangeError("race needs at least one service");
    this.services = services;
  }

  async has(digest: B3Digest): Promise<boolean> {
    return (
      (await firstToAnswer(this.services, async (s) =>
        (await s.has(digest)) ? true : undefined,
      )) === true
    );
  }

  stat(digest: B3Digest, options?: { withChunks?: boolean }): Promise<BlobStat | undefined> {
    return firstToAnswer(this.services, (s) => s.stat(digest, options));
  }

  openRead(digest: B3Digest): Promise<BlobReader | undefined> {
    return firstToAnswer(
      this.services,
      (s) => s.openRead(digest),
      (late) => {
        late.close().catch(() => {});
      },
    );
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return this.services[0]!.openWrite(options);
  }

  async close(): Promise<void> {
    for (const s of this.services) await s.close();
  }
}

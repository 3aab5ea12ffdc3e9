/**
 * `combined` BlobService (castore-store.md §3.3): a local service in front of a remote one.
 * Writes go to local only. Reads use local if it has the blob; otherwise the remote's chunk list
 * is fetched and each chunk is read through this service again, so chunks already present
 * locally are not downloaded. As in Tvix, fetched data is not written back to local.
 */
import type { B3Digest } from "../model/digest.ts";
import { ChunkedReader, readAll } from "./reader.ts";
import type { BlobReader, BlobService, BlobStat, BlobWriter, OpenWriteOptions } from "./types.ts";

export class CombinedBlobService implements BlobService {
  readonly local: BlobService;
  readonly remote: BlobService;

  constructor(local: BlobService, remote: BlobService) {
    this.local = local;
    this.remote = remote;
  }

  async has(digest: B3Digest): Promise<boolean> {
    return (await this.local.has(digest)) || (await this.remote.has(digest));
  }

  async stat(digest: B3Digest, options?: { withChunks?: boolean }): Promise<BlobStat | undefined> {
    return (await this.local.stat(digest, options)) ?? (await this.remote.stat(digest, options));
  }

  async openRead(digest: B3Digest): Promise<BlobReader | undefined> {
    if (await this.local.has(digest)) return this.local.openRead(digest);
    const stat = await this.remote.stat(digest, { withChunks: true });
    if (!stat) return undefined;
    const chunks = stat.chunks ?? [];
    if (chunks.length === 0) return this.remote.openRead(digest);
    return new ChunkedReader(chunks, async (d) => {
      const r = await this.openRead(d);
      if (!r) return undefined;
      try {
        return await readAll(r);
      } finally {
        await r.close();
      }
    });
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return this.local.openWrite(options);
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.remote.close();
  }
}

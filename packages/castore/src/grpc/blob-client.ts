/**
 * BlobService over gRPC (castore-store.md §3.3 `grpc`). Reads ask Stat for the chunk list: a
 * blob with several chunks is read chunk by chunk on demand (each verified), otherwise it is
 * fetched whole and verified before it is handed out. Writes stream into one Put call.
 */
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { BytesReader, ChunkedReader } from "../blob/reader.ts";
import type {
  BlobReader,
  BlobService,
  BlobStat,
  BlobWriter,
  ChunkMeta,
  OpenWriteOptions,
} from "../blob/types.ts";
import { BaseBlobWriter } from "../blob/writer-base.ts";
import { concatBytes } from "../bytes.ts";
import { BlobServiceError } from "../errors.ts";
import { BlobService as BlobServiceDesc } from "../gen/tvix/castore/v1/rpc_blobstore_pb.ts";
import { type B3Digest, b3Digest, blake3, digestEquals, digestToString } from "../model/digest.ts";
import { checkSize } from "../model/node.ts";
import { Channel } from "./channel.ts";
import { blobErrorFrom, isNotFound } from "./errors.ts";

type Rpc = Client<typeof BlobServiceDesc>;

export class GrpcBlobService implements BlobService {
  readonly #rpc: Rpc;

  constructor(transport: Transport) {
    this.#rpc = createClient(BlobServiceDesc, transport);
  }

  async has(digest: B3Digest): Promise<boolean> {
    return (await this.stat(digest)) !== undefined;
  }

  async stat(
    digest: B3Digest,
    options: { withChunks?: boolean } = {},
  ): Promise<BlobStat | undefined> {
    let res: Awaited<ReturnType<Rpc["stat"]>>;
    try {
      res = await this.#rpc.stat({ digest, sendChunks: options.withChunks ?? false });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw blobErrorFrom(e);
    }
    if (!options.withChunks) return {};
    try {
      return {
        chunks: res.chunks.map((c) => ({ digest: b3Digest(c.digest), size: checkSize(c.size) })),
      };
    } catch (e) {
      throw new BlobServiceError(
        "integrity",
        `server sent an invalid chunk list: ${(e as Error).message}`,
      );
    }
  }

  /** Reads a whole blob or chunk and checks it hashes to `digest`. */
  async #fetch(digest: B3Digest): Promise<Uint8Array | undefined> {
    const parts: Uint8Array[] = [];
    try {
      for await (const c of this.#rpc.read({ digest })) parts.push(c.data);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw blobErrorFrom(e);
    }
    const data = concatBytes(parts);
    if (!digestEquals(blake3(data), digest)) {
      throw new BlobServiceError(
        "integrity",
        `server sent wrong data for ${digestToString(digest)}`,
      );
    }
    return data;
  }

  async openRead(digest: B3Digest): Promise<BlobReader | undefined> {
    const st = await this.stat(digest, { withChunks: true });
    if (!st) return undefined;
    const chunks: readonly ChunkMeta[] = st.chunks ?? [];
    if (chunks.length > 1) return new ChunkedReader(chunks, (d) => this.#fetch(d));
    const data = await this.#fetch(digest);
    return data ? new BytesReader(data) : undefined;
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return new GrpcBlobWriter(this.#rpc, options);
  }

  async close(): Promise<void> {}
}

/** The most blob data a Put message carries. */
const PUT_MESSAGE_BYTES = 1024 * 1024;

class GrpcBlobWriter extends BaseBlobWriter {
  readonly #channel = new Channel<{ data: Uint8Array }>();
  readonly #abort = new AbortController();
  readonly #response: Promise<{ digest: Uint8Array }>;

  constructor(rpc: Rpc, options?: OpenWriteOptions) {
    super(options);
    this.#response = rpc.put(this.#channel, { signal: this.#abort.signal });
    // If the call dies, pending and future writes must fail instead of waiting forever.
    this.#response.catch((e) => this.#channel.fail(blobErrorFrom(e)));
  }

  override get acceptsTransfer(): boolean {
    return true;
  }

  protected async store(data: Uint8Array, transfer: boolean): Promise<void> {
    const own = transfer ? data : data.slice();
    // One message per MiB (views, no copies): a file is handed over whole, and servers limit
    // message sizes (Tvix's to 4 MiB, ours to MAX_MESSAGE_BYTES).
    for (let at = 0; at < own.length; at += PUT_MESSAGE_BYTES) {
      await this.#channel.push({ data: own.subarray(at, at + PUT_MESSAGE_BYTES) });
    }
  }

  protected async commit(digest: B3Digest): Promise<void> {
    this.#channel.end();
    let res: { digest: Uint8Array };
    try {
      res = await this.#response;
    } catch (e) {
      throw blobErrorFrom(e);
    }
    if (!digestEquals(res.digest, digest)) {
      throw new BlobServiceError(
        "integrity",
        `server computed ${digestToString(res.digest)}, we sent ${digestToString(digest)}`,
      );
    }
  }

  protected async discard(): Promise<void> {
    // Cancelling the call makes the server abort its writer: nothing becomes visible.
    this.#abort.abort();
    this.#channel.fail(new BlobServiceError("invalid-request", "writer was aborted"));
    await this.#response.catch(() => {});
  }
}

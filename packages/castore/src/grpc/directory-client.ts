/**
 * DirectoryService over gRPC (castore-store.md §4.3 `grpc`). Everything received is checked:
 * single gets must hash to what was asked, recursive gets must arrive in a valid root-to-leaves
 * order and be complete.
 */
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { DownloadValidator } from "../directory/closure.ts";
import type { DirectoryPutter, DirectoryService } from "../directory/types.ts";
import { DirectoryServiceError } from "../errors.ts";
import type { Directory as DirectoryMsg } from "../gen/tvix/castore/v1/castore_pb.ts";
import { DirectoryService as DirectoryServiceDesc } from "../gen/tvix/castore/v1/rpc_directory_pb.ts";
import { type B3Digest, b3Digest, digestEquals, digestToString } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import { directoryFromProto, directoryToProto } from "../model/proto.ts";
import { Channel } from "./channel.ts";
import { directoryErrorFrom, isNotFound } from "./errors.ts";

type Rpc = Client<typeof DirectoryServiceDesc>;

function received(msg: DirectoryMsg): Directory {
  try {
    return directoryFromProto(msg);
  } catch (e) {
    throw new DirectoryServiceError(
      "integrity",
      `server sent an invalid directory: ${(e as Error).message}`,
    );
  }
}

export class GrpcDirectoryService implements DirectoryService {
  readonly #rpc: Rpc;

  constructor(transport: Transport) {
    this.#rpc = createClient(DirectoryServiceDesc, transport);
  }

  async get(digest: B3Digest): Promise<Directory | undefined> {
    try {
      for await (const msg of this.#rpc.get({ byWhat: { case: "digest", value: digest } })) {
        const d = received(msg);
        if (!digestEquals(d.digest(), digest)) {
          throw new DirectoryServiceError(
            "integrity",
            `requested directory ${digestToString(digest)}, got ${digestToString(d.digest())}`,
          );
        }
        return d;
      }
      return undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw directoryErrorFrom(e);
    }
  }

  async put(directory: Directory): Promise<B3Digest> {
    const p = this.putMultipleStart();
    await p.put(directory);
    return p.close();
  }

  async *getRecursive(root: B3Digest): AsyncGenerator<Directory> {
    const validator = new DownloadValidator(root);
    let any = false;
    try {
      for await (const msg of this.#rpc.get({
        byWhat: { case: "digest", value: root },
        recursive: true,
      })) {
        const d = received(msg);
        validator.add(d.digest(), d);
        any = true;
        yield d;
      }
    } catch (e) {
      throw directoryErrorFrom(e);
    }
    if (any) validator.finish();
  }

  putMultipleStart(): DirectoryPutter {
    return new GrpcDirectoryPutter(this.#rpc);
  }

  async close(): Promise<void> {}
}

class GrpcDirectoryPutter implements DirectoryPutter {
  readonly #rpc: Rpc;
  readonly #channel = new Channel<DirectoryMsg>();
  #response: Promise<{ rootDigest: Uint8Array }> | undefined;
  #closed = false;

  constructor(rpc: Rpc) {
    this.#rpc = rpc;
  }

  /** The Put call starts with the first directory (a putter may be dropped unused). */
  #call(): Promise<{ rootDigest: Uint8Array }> {
    if (!this.#response) {
      this.#response = this.#rpc.put(this.#channel);
      this.#response.catch((e) => this.#channel.fail(directoryErrorFrom(e)));
    }
    return this.#response;
  }

  async put(directory: Directory): Promise<void> {
    if (this.#closed) throw new DirectoryServiceError("invalid-request", "already closed");
    this.#call();
    await this.#channel.push(directoryToProto(directory));
  }

  async close(): Promise<B3Digest> {
    if (this.#closed) throw new DirectoryServiceError("invalid-request", "already closed");
    this.#closed = true;
    const response = this.#call();
    this.#channel.end();
    try {
      return b3Digest((await response).rootDigest);
    } catch (e) {
      throw directoryErrorFrom(e);
    }
  }
}

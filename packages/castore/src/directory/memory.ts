/** `memory://` DirectoryService: canonical encodings in a Map (castore-store.md §4.3). */
import { DirectoryServiceError } from "../errors.ts";
import { type B3Digest, blake3, digestEquals, digestKey, digestToString } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import { decodeDirectory } from "../model/proto.ts";
import type { ClosureOptions } from "./closure.ts";
import { simplePutter } from "./putter.ts";
import { traverseDirectory } from "./traverse.ts";
import type { DirectoryPutter, DirectoryService } from "./types.ts";

export class MemoryDirectoryService implements DirectoryService {
  readonly #dirs = new Map<string, Uint8Array>();
  readonly #options: ClosureOptions;

  constructor(options: ClosureOptions = {}) {
    this.#options = options;
  }

  async get(digest: B3Digest): Promise<Directory | undefined> {
    const bytes = this.#dirs.get(digestKey(digest));
    if (!bytes) return undefined;
    return verifiedDecode(digest, bytes);
  }

  async put(directory: Directory): Promise<B3Digest> {
    const digest = directory.digest();
    this.#dirs.set(digestKey(digest), directory.encode());
    return digest;
  }

  getRecursive(root: B3Digest): AsyncIterable<Directory> {
    return traverseDirectory((d) => this.get(d), root);
  }

  putMultipleStart(): DirectoryPutter {
    return simplePutter((d) => this.put(d), this.#options);
  }

  async close(): Promise<void> {}
}

/** Hashes stored bytes before trusting them, then decodes (Tvix does the same for raw stores). */
export function verifiedDecode(digest: B3Digest, bytes: Uint8Array): Directory {
  const actual = blake3(bytes);
  if (!digestEquals(actual, digest)) {
    throw new DirectoryServiceError(
      "integrity",
      `requested directory with digest ${digestToString(digest)}, but got ${digestToString(actual)}`,
    );
  }
  try {
    return decodeDirectory(bytes);
  } catch (e) {
    throw new DirectoryServiceError("integrity", `corrupted directory: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

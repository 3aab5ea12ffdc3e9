/**
 * Putters. `SimplePutter` validates a closure in memory and, at close, stores it leaves to root
 * through a backend's single `put` (castore-store.md §4.2). `BatchPutter` hands the validated
 * closure to a function that stores it at once (one transaction, one object).
 */
import { DirectoryServiceError } from "../errors.ts";
import { type B3Digest, digestEquals } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import { type ClosureOptions, UploadClosure } from "./closure.ts";
import type { DirectoryPutter } from "./types.ts";

export class BatchPutter implements DirectoryPutter {
  readonly #closure: UploadClosure;
  readonly #store: (root: B3Digest, leavesToRoot: Directory[]) => Promise<void>;
  #failure: unknown;
  #result: Promise<B3Digest> | undefined;

  constructor(
    store: (root: B3Digest, leavesToRoot: Directory[]) => Promise<void>,
    options?: ClosureOptions,
  ) {
    this.#store = store;
    this.#closure = new UploadClosure(options);
  }

  async put(directory: Directory): Promise<void> {
    if (this.#result) throw new DirectoryServiceError("invalid-request", "already closed");
    if (this.#failure !== undefined) throw this.#failure;
    try {
      this.#closure.add(directory);
    } catch (e) {
      this.#failure = e; // a rejected batch stays rejected
      throw e;
    }
  }

  close(): Promise<B3Digest> {
    if (this.#result) {
      return Promise.reject(new DirectoryServiceError("invalid-request", "already closed"));
    }
    this.#result = (async () => {
      if (this.#failure !== undefined) throw this.#failure;
      const { root, leavesToRoot } = this.#closure.finish();
      await this.#store(root, leavesToRoot);
      return root;
    })();
    return this.#result;
  }
}

/** Stores each directory with `put`, leaves to root, checking the digests the backend returns. */
export function simplePutter(
  put: (d: Directory) => Promise<B3Digest>,
  options?: ClosureOptions,
): DirectoryPutter {
  return new BatchPutter(async (_root, dirs) => {
    for (const d of dirs) {
      const got = await put(d);
      if (!digestEquals(got, d.digest())) {
        throw new DirectoryServiceError("backend", "got unexpected digest from backend during put");
      }
    }
  }, options);
}

/** Uploads a whole closure (leaves to root) through a service's putter; returns the root. */
export async function putClosure(
  service: { putMultipleStart(): DirectoryPutter },
  leavesToRoot: Iterable<Directory>,
): Promise<B3Digest> {
  const putter = service.putMultipleStart();
  for (const d of leavesToRoot) await putter.put(d);
  return putter.close();
}

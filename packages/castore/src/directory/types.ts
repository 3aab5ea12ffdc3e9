/**
 * The DirectoryService contract (castore-store.md §4.1). Absent directories are `undefined`
 * (and an absent root gives an empty getRecursive stream), never errors.
 */

import type { B3Digest } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";

export interface DirectoryService {
  get(digest: B3Digest): Promise<Directory | undefined>;
  /** Stores one directory. Backends need not check that its children exist. */
  put(directory: Directory): Promise<B3Digest>;
  /**
   * The closure of `root`: root first, then breadth-first towards the leaves, every directory
   * once and only after one already yielded refers to it. Empty if the root is absent; an absent
   * child is an `integrity` error.
   */
  getRecursive(root: B3Digest): AsyncIterable<Directory>;
  /** Starts uploading one closure, leaves to root. */
  putMultipleStart(): DirectoryPutter;
  close(): Promise<void>;
}

/**
 * Uploads a closure: `put` each directory only after all its child directories (leaves to
 * root), then `close` returns the root digest. Errors may surface at a later put or at close;
 * until close succeeds nothing of the batch needs to be visible.
 */
export interface DirectoryPutter {
  put(directory: Directory): Promise<void>;
  close(): Promise<B3Digest>;
}

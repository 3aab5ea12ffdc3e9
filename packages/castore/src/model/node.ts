/**
 * Node: Directory | File | Symlink without a name (castore-store.md §1.5). Inside a Directory
 * nodes get names; as a root node (PathInfo, import results) they stand alone.
 */
import { ValidationError } from "../errors.ts";
import { type B3Digest, b3Digest } from "./digest.ts";
import { validateSymlinkTarget } from "./names.ts";

export interface DirectoryNode {
  readonly type: "directory";
  /** Digest of the child Directory's canonical encoding. */
  readonly digest: B3Digest;
  /** Inode budget of the child tree (see Directory.size and castore-store.md §1.7). */
  readonly size: number;
}

export interface FileNode {
  readonly type: "file";
  /** BLAKE3 of the contents. */
  readonly digest: B3Digest;
  /** Content length in bytes. */
  readonly size: number;
  readonly executable: boolean;
}

export interface SymlinkNode {
  readonly type: "symlink";
  readonly target: Uint8Array;
}

export type Node = DirectoryNode | FileNode | SymlinkNode;

/**
 * Sizes are u64 on the wire; tvix-ts keeps them as JS numbers and rejects anything beyond
 * 2^53 - 1 (no real file or tree gets there; Tvix would accept such a size, we call it invalid).
 */
export function checkSize(size: number | bigint, what = "size"): number {
  const n = typeof size === "bigint" ? Number(size) : size;
  if (!Number.isSafeInteger(n) || n < 0 || (typeof size === "bigint" && BigInt(n) !== size)) {
    throw new ValidationError("SizeOverflow", `${what} ${size} is not a safe non-negative integer`);
  }
  return n;
}

export function directoryNode(digest: Uint8Array, size: number): DirectoryNode {
  return { type: "directory", digest: b3Digest(digest), size: checkSize(size) };
}

export function fileNode(digest: Uint8Array, size: number, executable = false): FileNode {
  return { type: "file", digest: b3Digest(digest), size: checkSize(size), executable };
}

export function symlinkNode(target: Uint8Array | string): SymlinkNode {
  return { type: "symlink", target: validateSymlinkTarget(target) };
}

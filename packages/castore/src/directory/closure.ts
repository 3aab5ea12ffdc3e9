/**
 * Closure validation (castore-store.md §4.2). `UploadClosure` checks a leaves-to-root batch: each
 * directory may only refer to directories already in the same batch, every edge's `size` must
 * equal the child's size, and at the end there must be exactly one root. `DownloadValidator`
 * checks a root-to-leaves stream: each directory must have been referred to by one before it.
 */
import { DirectoryServiceError } from "../errors.ts";
import { type B3Digest, digestKey, digestToString } from "../model/digest.ts";
import type { Directory, SizeFormula } from "../model/directory.ts";
import { showBytes } from "../model/names.ts";

export interface ClosureOptions {
  readonly sizeFormula?: SizeFormula;
}

function integrity(message: string): DirectoryServiceError {
  return new DirectoryServiceError("integrity", message);
}

function invalid(message: string): DirectoryServiceError {
  return new DirectoryServiceError("invalid-request", message);
}

export class UploadClosure {
  readonly #formula: SizeFormula;
  /** Insertion order is a valid leaves-to-root order (children always come first). */
  readonly #dirs = new Map<string, { digest: B3Digest; dir: Directory }>();
  readonly #referenced = new Set<string>();

  constructor(options: ClosureOptions = {}) {
    this.#formula = options.sizeFormula ?? "tvix";
  }

  get size(): number {
    return this.#dirs.size;
  }

  add(dir: Directory): B3Digest {
    const digest = dir.digest();
    const key = digestKey(digest);
    if (this.#dirs.has(key)) return digest; // resends are harmless
    for (const { name, node } of dir.entries()) {
      if (node.type !== "directory") continue;
      const child = this.#dirs.get(digestKey(node.digest));
      if (!child) {
        throw invalid(
          `unknown directory was referenced: ${showBytes(name)} -> ${digestToString(node.digest)}`,
        );
      }
      const recorded = child.dir.size(this.#formula);
      if (node.size !== recorded) {
        throw invalid(
          `${showBytes(name)} has wrong size, specified ${node.size}, recorded ${recorded}`,
        );
      }
      this.#referenced.add(digestKey(node.digest));
    }
    this.#dirs.set(key, { digest, dir });
    return digest;
  }

  /** Checks there is exactly one root and returns it with the directories leaves to root. */
  finish(): { root: B3Digest; leavesToRoot: Directory[] } {
    if (this.#dirs.size === 0) throw invalid("got no directories");
    const roots = [...this.#dirs.keys()].filter((k) => !this.#referenced.has(k));
    if (roots.length !== 1) throw invalid(`graph has disconnected roots (${roots.length} roots)`);
    const root = this.#dirs.get(roots[0]!)!.digest;
    return { root, leavesToRoot: [...this.#dirs.values()].map((e) => e.dir) };
  }
}

export class DownloadValidator {
  readonly #formula: SizeFormula;
  /** Digest -> the size edges seen so far demand of it (undefined for the root). */
  readonly #expected = new Map<string, number | undefined>();
  /** Digest -> its actual size, once received. */
  readonly #received = new Map<string, number>();

  constructor(root: B3Digest, options: ClosureOptions = {}) {
    this.#formula = options.sizeFormula ?? "tvix";
    this.#expected.set(digestKey(root), undefined);
  }

  /** Cheap check before decoding raw bytes. */
  allowed(digest: B3Digest): boolean {
    return this.#expected.has(digestKey(digest));
  }

  add(digest: B3Digest, dir: Directory): void {
    const key = digestKey(digest);
    if (!this.#expected.has(key)) {
      throw integrity(`received unexpected directory ${digestToString(digest)}`);
    }
    if (this.#received.has(key)) return;
    const size = dir.size(this.#formula);
    const want = this.#expected.get(key);
    if (want !== undefined && want !== size) {
      throw integrity(
        `directory ${digestToString(digest)} has size ${size}, its parent says ${want}`,
      );
    }
    this.#received.set(key, size);
    for (const { name, node } of dir.entries()) {
      if (node.type !== "directory") continue;
      const ck = digestKey(node.digest);
      const known = this.#received.get(ck) ?? this.#expected.get(ck);
      if (known !== undefined && known !== node.size) {
        throw integrity(
          `${showBytes(name)} has wrong size, specified ${node.size}, recorded ${known}`,
        );
      }
      if (!this.#expected.has(ck)) this.#expected.set(ck, node.size);
    }
  }

  /** How many referenced directories have not arrived. */
  missing(): number {
    return this.#expected.size - this.#received.size;
  }

  /** At end of stream: everything referenced must have arrived. */
  finish(): void {
    const n = this.missing();
    if (n > 0) {
      throw integrity(`still expected ${n} directories, but got premature end of stream`);
    }
  }
}

/**
 * Orders a closure leaves to root by DFS post-order from `root` (a reversed breadth-first order
 * is not enough: a directory reachable at two depths could precede one of its parents).
 */
export function leavesToRoot(
  root: B3Digest,
  byDigest: ReadonlyMap<string, Directory>,
): Directory[] {
  const out: Directory[] = [];
  const done = new Set<string>();
  const visit = (key: string) => {
    if (done.has(key)) return;
    done.add(key);
    const dir = byDigest.get(key);
    if (!dir) throw new DirectoryServiceError("integrity", "closure is missing a directory");
    for (const child of dir.childDigests()) visit(digestKey(child));
    out.push(dir);
  };
  visit(digestKey(root));
  return out;
}

/**
 * Generic getRecursive over `get` (Tvix `traverse_directory`, castore-store.md §4.2):
 * breadth-first from the root, children queued in name order, each digest once.
 */
import { DirectoryServiceError } from "../errors.ts";
import { type B3Digest, digestKey, digestToString } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";

export async function* traverseDirectory(
  get: (digest: B3Digest) => Promise<Directory | undefined>,
  root: B3Digest,
): AsyncGenerator<Directory> {
  const seen = new Set<string>([digestKey(root)]);
  const queue: B3Digest[] = [root];
  for (let i = 0; i < queue.length; i++) {
    const digest = queue[i]!;
    const dir = await get(digest);
    if (!dir) {
      if (i === 0) return; // absent root: empty closure
      throw new DirectoryServiceError(
        "integrity",
        `directory ${digestToString(digest)} does not exist (referenced from the closure)`,
      );
    }
    yield dir;
    for (const child of dir.childDigests()) {
      const k = digestKey(child);
      if (seen.has(k)) continue;
      seen.add(k);
      queue.push(child);
    }
  }
}

/** Collects a whole closure (tests and small trees). */
export async function collectClosure(it: AsyncIterable<Directory>): Promise<Directory[]> {
  const out: Directory[] = [];
  for await (const d of it) out.push(d);
  return out;
}

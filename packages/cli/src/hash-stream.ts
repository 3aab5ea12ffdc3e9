/** Hashing NARs of local paths and other streams, using a second core (parallel-hash.ts). */
import { type HashAlgo, writeNarToSink } from "@tvix-ts/nix-compat";
import { fsNarNode, readFileChunks } from "./fs-nar.ts";
import { ParallelHasher } from "./parallel-hash.ts";

/** Hashes a stream; chunks are copied as they arrive, so sources may reuse their buffers. */
export async function hashStream(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  algo: HashAlgo,
  h: ParallelHasher = new ParallelHasher([algo]),
): Promise<Uint8Array> {
  try {
    for await (const c of source) h.update(c);
    return (await h.digest())[0]!;
  } catch (e) {
    h.abort();
    throw e;
  }
}

/**
 * The hash of the NAR serialisation of a local path (what `nix-hash --type ALGO` hashes). The
 * NAR is written straight into the hasher's shared ring: file contents go from the kernel into
 * the ring and are hashed there, with no other copy.
 */
export async function hashPathNar(
  path: string,
  algo: HashAlgo,
  h: ParallelHasher = new ParallelHasher([algo]),
): Promise<Uint8Array> {
  try {
    await writeNarToSink(fsNarNode(path), h, { chunkSize: 64 * 1024 });
    return (await h.digest())[0]!;
  } catch (e) {
    h.abort();
    throw e;
  }
}

/** The hash of a regular file's contents (`nix-hash --flat`). */
export function hashPathFlat(
  path: string,
  algo: HashAlgo,
  h: ParallelHasher = new ParallelHasher([algo]),
): Promise<Uint8Array> {
  return hashStream(readFileChunks(path, { reuse: true }), algo, h);
}

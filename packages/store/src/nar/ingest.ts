/**
 * NAR -> castore (castore-store.md §11.4): the NAR is parsed (and fully validated) by
 * nix-compat's streaming reader while its sha256 and size are computed over the same bytes in
 * one pass. Files become blobs (small ones uploaded in the background), directories are put
 * leaves to root through one putter, which is closed only after the whole NAR was read and —
 * when the caller said what to expect — its hash and size matched and `beforeCommit` accepted
 * it; so a rejected NAR never makes a directory closure visible (blobs are content-addressed
 * and harmless).
 */
import { createHash } from "node:crypto";
import {
  type BlobService,
  BlobUploader,
  Directory,
  type DirectoryPutter,
  type DirectoryService,
  type Node,
} from "@tvix-ts/castore";
import { type ChunkSource, formatNarPath, NarError, nixbase32, readNar } from "@tvix-ts/nix-compat";
import { findCause, NarIngestError } from "../errors.ts";

export interface IngestNarOptions {
  /** sha256 the NAR must have. */
  readonly expectedSha256?: Uint8Array;
  /** Size the NAR must have. */
  readonly expectedSize?: number;
  /**
   * Last check before the directories are committed, once the whole NAR was read and
   * validated (nar-bridge checks the uploaded file's hash here: the file is only fully read by
   * then). Its error rejects the NAR and is thrown as it is.
   */
  readonly beforeCommit?: (nar: IngestedNar) => void | Promise<void>;
}

export interface IngestedNar {
  readonly node: Node;
  readonly narSize: number;
  readonly narSha256: Uint8Array;
}

function toAsync(
  source: ChunkSource | Uint8Array,
): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  return source instanceof Uint8Array ? [source] : source;
}

/** Ingests one NAR; see the module comment for what is checked and when. */
export async function ingestNar(
  blobs: BlobService,
  dirs: DirectoryService,
  source: ChunkSource | Uint8Array,
  opts: IngestNarOptions = {},
): Promise<IngestedNar> {
  const hash = createHash("sha256");
  let size = 0;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of toAsync(source)) {
      hash.update(chunk);
      size += chunk.length;
      if (opts.expectedSize !== undefined && size > opts.expectedSize) {
        throw new NarIngestError(
          "size-mismatch",
          `NAR is larger than the expected ${opts.expectedSize} bytes`,
        );
      }
      yield chunk;
    }
  }

  const uploader = new BlobUploader(blobs);
  let putter: DirectoryPutter | undefined;
  const stack: Directory[] = [];
  let root: Node | undefined;
  const place = (name: Uint8Array | undefined, node: Node) => {
    const top = stack[stack.length - 1];
    if (top && name) top.add(name, node);
    else root = node;
  };
  try {
    for await (const ev of readNar(hashed())) {
      const name = ev.path.length > 0 ? ev.path[ev.path.length - 1] : undefined;
      switch (ev.type) {
        case "directory-start":
          putter ??= dirs.putMultipleStart();
          stack.push(new Directory());
          break;
        case "directory-end": {
          const d = stack.pop()!;
          await putter!.put(d);
          place(name, d.node());
          break;
        }
        case "symlink":
          place(name, { type: "symlink", target: ev.target });
          break;
        case "regular": {
          const digest = await uploader.upload(formatNarPath(ev.path), ev.size, ev.contents);
          place(name, { type: "file", digest, size: ev.size, executable: ev.executable });
          break;
        }
      }
    }
    await uploader.join();
  } catch (e) {
    await uploader.join().catch(() => {});
    throw classify(e);
  }
  const narSha256 = new Uint8Array(hash.digest());
  if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
    throw new NarIngestError(
      "size-mismatch",
      `NAR size mismatch: expected ${opts.expectedSize}, got ${size}`,
    );
  }
  if (opts.expectedSha256 && !Buffer.from(opts.expectedSha256).equals(narSha256)) {
    throw new NarIngestError(
      "hash-mismatch",
      `NAR hash mismatch: expected sha256:${nixbase32.encode(opts.expectedSha256)}, got sha256:${nixbase32.encode(narSha256)}`,
    );
  }
  const ingested = { node: root!, narSize: size, narSha256 };
  await opts.beforeCommit?.(ingested);
  if (putter) {
    try {
      await putter.close();
    } catch (e) {
      throw new NarIngestError("upload", `storing directories failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  return ingested;
}

/**
 * The NarIngestError for a failure while reading the NAR. Errors from reading file contents
 * reach us wrapped by BlobUploader (as its `upload` ImportError), so the cause chain decides:
 * our own error or a malformed NAR anywhere in it is that, not a failing upload.
 */
function classify(e: unknown): NarIngestError {
  const ours = findCause(e, (c) => c instanceof NarIngestError);
  if (ours) return ours;
  const nar = findCause(e, (c) => c instanceof NarError);
  if (nar) {
    return new NarIngestError("invalid-nar", `invalid NAR: ${nar.message}`, {
      cause: nar,
    });
  }
  return new NarIngestError("upload", `ingesting NAR failed: ${(e as Error).message}`, {
    cause: e,
  });
}

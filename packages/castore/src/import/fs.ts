/**
 * Import a filesystem path into castore (castore-store.md §6.2): regular files become blobs,
 * symlinks keep their raw target (never followed, not even at the root), directories become
 * Directory messages uploaded leaves to root through one putter. Only the owner-execute bit is
 * kept. Sockets, fifos and devices are rejected naming the path.
 *
 * Blob uploads run concurrently, at most `concurrency` files of 64 KiB or more at once, each
 * streamed in 4 MiB pieces, and at most 256 (or `concurrency`, if larger) smaller files, each
 * read whole, so memory stays bounded whatever the tree's size. Names are read as raw bytes
 * (Buffer paths), so non-UTF-8 names survive.
 */
import { closeSync, lstatSync, openSync, readSync, type Stats } from "node:fs";
import { open, readdir, readlink } from "node:fs/promises";
import { pieceBuffer } from "../blob/hash-pool.ts";
import { type BlobService, putBlob } from "../blob/types.ts";
import type { DirectoryPutter, DirectoryService } from "../directory/types.ts";
import { Directory, type SizeFormula } from "../model/directory.ts";
import { nameProblem, symlinkTargetProblem } from "../model/names.ts";
import type { Node } from "../model/node.ts";
import type { ReferenceScanner } from "../refscan.ts";
import { ImportError } from "./errors.ts";
import { Limiter } from "./limiter.ts";

export interface IngestOptions {
  /** Files of 64 KiB or more uploaded at once (default 32); smaller ones: 256, or this if more. */
  readonly concurrency?: number;
  /** How DirectoryNode.size is computed (default Tvix's, see castore-store.md §1.7). */
  readonly sizeFormula?: SizeFormula;
  /** Scans file contents and symlink targets for these references. */
  readonly referenceScanner?: ReferenceScanner;
  /**
   * Sees the bytes of every regular file as they are stored, piece by piece, in order within
   * a file (files are read concurrently, so pieces of different files interleave: meant for
   * importing a single file, e.g. to hash its NAR in the same pass). The bytes may be reused
   * once it returns.
   */
  readonly onFileBytes?: (bytes: Uint8Array) => void;
  /**
   * Told how far the import is: regular files stored so far and the bytes of their contents
   * (also while a large file is stored), for a progress display. Called often: keep it cheap.
   */
  readonly onProgress?: (done: IngestProgress) => void;
}

/** How far an import is (see `IngestOptions.onProgress`). */
export interface IngestProgress {
  readonly files: number;
  readonly bytes: number;
}

/** Read size for large files; smaller files are read in one go. */
const PIECE = 4 * 1024 * 1024;
/** Files below this are read in one go (at most `concurrency` of them are in memory at once). */
const WHOLE = 1024 * 1024;
/** Files up to this size are read into one buffer for writers that keep handed-over ones. */
const WHOLE_MAX = 2 ** 32;
/** Files below this are read synchronously (see smallFile). */
const SMALL = 64 * 1024;
/**
 * Small files in flight at once (read, waiting to be stored), at most 16 MiB: a store that
 * batches them (the chunk-store workers of `objectstore+file`) then gets hundreds per message,
 * not the few that `concurrency` would allow.
 */
const SMALL_IN_FLIGHT = 256;
const SLASH = Buffer.from("/");

/** Imports `path` and returns its root node (its name is discarded). */
export async function ingestPath(
  blobs: BlobService,
  directories: DirectoryService,
  path: string | Buffer,
  options: IngestOptions = {},
): Promise<Node> {
  const ctx = new Ingest(blobs, directories, options);
  const node = await ctx.node(Buffer.isBuffer(path) ? path : Buffer.from(path));
  await ctx.finish();
  return node;
}

class Ingest {
  readonly #blobs: BlobService;
  readonly #directories: DirectoryService;
  readonly #formula: SizeFormula;
  readonly #scanner: ReferenceScanner | undefined;
  readonly #onBytes: ((bytes: Uint8Array) => void) | undefined;
  readonly #onProgress: ((done: IngestProgress) => void) | undefined;
  #files = 0;
  #bytes = 0;
  readonly #io: Limiter;
  /** Small files being stored (see SMALL_IN_FLIGHT). */
  readonly #small: Limiter;
  #putter: DirectoryPutter | undefined;

  constructor(blobs: BlobService, directories: DirectoryService, options: IngestOptions) {
    this.#blobs = blobs;
    this.#directories = directories;
    this.#formula = options.sizeFormula ?? "tvix";
    this.#scanner = options.referenceScanner;
    this.#onBytes = options.onFileBytes;
    this.#onProgress = options.onProgress;
    this.#io = new Limiter(options.concurrency ?? 32);
    this.#small = new Limiter(Math.max(SMALL_IN_FLIGHT, options.concurrency ?? 0));
  }

  /** Counts stored files and bytes for `onProgress`. */
  #stored(files: number, bytes: number): void {
    if (!this.#onProgress) return;
    this.#files += files;
    this.#bytes += bytes;
    this.#onProgress({ files: this.#files, bytes: this.#bytes });
  }

  async node(path: Buffer): Promise<Node> {
    // Synchronous: an lstat takes a microsecond or two, far less than a thread-pool round trip
    // (which also queues behind the blob writes), and trees have many entries.
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (e) {
      throw new ImportError("io", show(path), `stat failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (st.isDirectory()) return this.#directory(path);
    if (st.isSymbolicLink()) return this.#symlink(path);
    if (st.isFile()) return this.#file(path, st);
    throw new ImportError(
      "unsupported-file-type",
      show(path),
      `unsupported file type (${kindOf(st)})`,
    );
  }

  async #directory(path: Buffer): Promise<Node> {
    const names = await this.#io
      .run(() => readdir(path, { encoding: "buffer" }))
      .catch((e) => {
        throw new ImportError("io", show(path), `readdir failed: ${(e as Error).message}`, {
          cause: e,
        });
      });
    const children = await Promise.all(
      names.map(async (name) => {
        const problem = nameProblem(name);
        const child = Buffer.concat([path, SLASH, name]);
        if (problem) throw new ImportError("invalid", show(child), `invalid name: ${problem}`);
        return [name, await this.node(child)] as const;
      }),
    );
    const dir = Directory.from(children);
    // Children were all put before this line runs, so the putter sees leaves before roots.
    this.#putter ??= this.#directories.putMultipleStart();
    try {
      await this.#putter.put(dir);
    } catch (e) {
      throw new ImportError(
        "upload",
        show(path),
        `directory upload failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    return dir.node(this.#formula);
  }

  async #symlink(path: Buffer): Promise<Node> {
    const target = await this.#io
      .run(() => readlink(path, { encoding: "buffer" }))
      .catch((e) => {
        throw new ImportError("io", show(path), `readlink failed: ${(e as Error).message}`, {
          cause: e,
        });
      });
    const problem = symlinkTargetProblem(target);
    if (problem) throw new ImportError("invalid", show(path), `invalid symlink target: ${problem}`);
    this.#scanner?.scanBytes(target);
    return { type: "symlink", target: new Uint8Array(target) };
  }

  #file(path: Buffer, st: Stats): Promise<Node> {
    if (st.size < SMALL) return this.#small.run(() => this.#smallFile(path, st));
    return this.#io.run(async () => {
      const fh = await open(path, "r").catch((e) => {
        throw new ImportError("io", show(path), `open failed: ${(e as Error).message}`, {
          cause: e,
        });
      });
      const writer = this.#blobs.openWrite({ sizeHint: st.size });
      const scan = this.#scanner?.stream();
      let size = 0;
      const read = (buf: Buffer, position: number | null = null) =>
        fh.read(buf, 0, buf.length, position).then(
          (r) => r.bytesRead,
          (e) => {
            throw new ImportError("io", show(path), `read failed: ${(e as Error).message}`, {
              cause: e,
            });
          },
        );
      try {
        if (st.size < WHOLE) {
          // Small file: one read of size+1 bytes sees all of it and its end (a shorter read of
          // a regular file only happens at EOF); more means it grew meanwhile.
          const buf = Buffer.allocUnsafe(st.size + 1);
          for (;;) {
            const n = await read(buf.subarray(size));
            if (n === 0) break;
            size += n;
            // Reached the expected size with room left over (EOF), or filled the extra byte.
            if (size >= st.size) break;
          }
          const data = buf.subarray(0, Math.min(size, st.size));
          scan?.scan(data);
          this.#onBytes?.(data);
          if (data.length > 0) await writer.write(data, { transfer: true });
          this.#stored(0, data.length);
        } else {
          // Large file: 4 MiB reads at explicit offsets, the next ones already running on the
          // thread pool while this one is hashed and stored on the main thread. A writer that
          // keeps handed-over buffers (memory) gets the file read into one buffer of its size
          // (+1 byte to notice growth), handed over piece by piece instead of copied: one
          // allocation, where a buffer per read made the GC run for each few of them. Two
          // reads run ahead (filling fresh memory is page faults: spread them over two
          // threads). Other writers are handed buffers from `pieceBuffer`: a blob writer hashes
          // them on its hash worker (hash-pool.ts) and they come back there to be read into again.
          const fresh = writer.acceptsTransfer === true;
          const whole =
            fresh && st.size < WHOLE_MAX ? Buffer.allocUnsafeSlow(st.size + 1) : undefined;
          const ahead = fresh ? 2 : 1;
          let offset = 0;
          const queue: { buf: Buffer; n: Promise<number> }[] = [];
          const fill = () => {
            while (queue.length < ahead) {
              const buf = whole
                ? whole.subarray(
                    Math.min(offset, whole.length),
                    Math.min(offset + PIECE, whole.length),
                  )
                : fresh
                  ? Buffer.allocUnsafeSlow(PIECE)
                  : pieceBuffer(PIECE);
              const n = read(buf, offset);
              n.catch(() => {}); // awaited below; this only keeps an abandoned read quiet
              queue.push({ buf, n });
              offset += PIECE;
            }
          };
          fill();
          for (;;) {
            const current = queue.shift()!;
            const n = await current.n;
            if (n === 0) break;
            fill();
            const piece = current.buf.subarray(0, n);
            scan?.scan(piece);
            this.#onBytes?.(piece);
            await writer.write(piece, { transfer: true });
            this.#stored(0, n);
            size += n;
            if (n < PIECE) {
              // A short read is normally the end. If the file is not done yet (network file
              // systems may return less), drop the reads queued at now-wrong offsets and go on.
              if (size >= st.size) break;
              await Promise.allSettled(queue.splice(0).map((q) => q.n));
              offset = size;
              fill();
            }
          }
          await Promise.allSettled(queue.map((q) => q.n));
        }
        if (size !== st.size) {
          throw new ImportError(
            "io",
            show(path),
            `file changed while reading: expected ${st.size} bytes, read ${size}`,
          );
        }
        const digest = await writer.close();
        this.#stored(1, 0);
        return { type: "file", digest, size, executable: (st.mode & 0o100) !== 0 } as const;
      } catch (e) {
        await writer.abort().catch(() => {});
        if (e instanceof ImportError) throw e;
        throw new ImportError("upload", show(path), `blob upload failed: ${(e as Error).message}`, {
          cause: e,
        });
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * A small file is read synchronously: open, one read and close cost a few microseconds for a
   * file in the page cache, much less than three thread-pool round trips, and most files of a
   * source tree are small. (Reading size + 1 bytes sees the end, or that the file grew.)
   */
  async #smallFile(path: Buffer, st: Stats): Promise<Node> {
    const data = Buffer.allocUnsafe(st.size + 1);
    let size = 0;
    try {
      const fd = openSync(path, "r");
      try {
        for (;;) {
          const n = readSync(fd, data, size, data.length - size, null);
          if (n === 0) break;
          size += n;
          if (size >= st.size) break;
        }
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw new ImportError("io", show(path), `read failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (size !== st.size) {
      throw new ImportError(
        "io",
        show(path),
        `file changed while reading: expected ${st.size} bytes, read ${size}`,
      );
    }
    const contents = data.subarray(0, size);
    this.#scanner?.scanBytes(contents);
    this.#onBytes?.(contents);
    try {
      const digest = await putBlob(this.#blobs, contents, { transfer: true });
      this.#stored(1, size);
      return { type: "file", digest, size, executable: (st.mode & 0o100) !== 0 };
    } catch (e) {
      throw new ImportError("upload", show(path), `blob upload failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Closes the putter if any directory was seen, checking it agrees on the root. */
  async finish(): Promise<void> {
    if (!this.#putter) return;
    await this.#putter.close().catch((e) => {
      throw new ImportError(
        "upload",
        "(closure)",
        `directory upload failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    });
  }
}

function show(p: Buffer): string {
  return p.toString("utf8");
}

function kindOf(st: Stats): string {
  if (st.isSocket()) return "socket";
  if (st.isFIFO()) return "fifo";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  return "unknown";
}

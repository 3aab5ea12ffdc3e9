/**
 * Import a filesystem path into castore (castore-store.md §6.2): regular files become blobs,
 * symlinks keep their raw target (never followed, not even at the root), directories become
 * Directory messages uploaded leaves to root through one putter. Only the owner-execute bit is
 * kept. Sockets, fifos and devices are rejected naming the path.
 *
 * Blob uploads run concurrently, at most `concurrency` files at once, each streamed in 64 KiB
 * pieces, so memory stays bounded whatever the tree's size. Names are read as raw bytes
 * (Buffer paths), so non-UTF-8 names survive.
 */
import type { Stats } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import type { BlobService } from "../blob/types.ts";
import type { DirectoryPutter, DirectoryService } from "../directory/types.ts";
import { Directory, type SizeFormula } from "../model/directory.ts";
import { nameProblem, symlinkTargetProblem } from "../model/names.ts";
import type { Node } from "../model/node.ts";
import type { ReferenceScanner } from "../refscan.ts";
import { ImportError } from "./errors.ts";
import { Limiter } from "./limiter.ts";

export interface IngestOptions {
  /** Files uploaded at once (default 32). */
  readonly concurrency?: number;
  /** How DirectoryNode.size is computed (default Tvix's, see castore-store.md §1.7). */
  readonly sizeFormula?: SizeFormula;
  /** Scans file contents and symlink targets for these references. */
  readonly referenceScanner?: ReferenceScanner;
}

/** Read size for large files; smaller files are read in one go. */
const PIECE = 1024 * 1024;
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
  readonly #io: Limiter;
  #putter: DirectoryPutter | undefined;

  constructor(blobs: BlobService, directories: DirectoryService, options: IngestOptions) {
    this.#blobs = blobs;
    this.#directories = directories;
    this.#formula = options.sizeFormula ?? "tvix";
    this.#scanner = options.referenceScanner;
    this.#io = new Limiter(options.concurrency ?? 32);
  }

  async node(path: Buffer): Promise<Node> {
    const st = await this.#io
      .run(() => lstat(path))
      .catch((e) => {
        throw new ImportError("io", show(path), `stat failed: ${(e as Error).message}`, {
          cause: e,
        });
      });
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
    return { type: "directory", digest: dir.digest(), size: dir.size(this.#formula) };
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
    return this.#io.run(async () => {
      const fh = await open(path, "r").catch((e) => {
        throw new ImportError("io", show(path), `open failed: ${(e as Error).message}`, {
          cause: e,
        });
      });
      const writer = this.#blobs.openWrite();
      const scan = this.#scanner?.stream();
      let size = 0;
      const read = (buf: Buffer) =>
        fh.read(buf, 0, buf.length, null).then(
          (r) => r.bytesRead,
          (e) => {
            throw new ImportError("io", show(path), `read failed: ${(e as Error).message}`, {
              cause: e,
            });
          },
        );
      try {
        if (st.size < PIECE) {
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
          if (data.length > 0) await writer.write(data);
        } else {
          // Large file: 1 MiB reads, the next one already running (on the thread pool) while
          // this one is hashed and stored on the main thread.
          let bufs = [Buffer.allocUnsafe(PIECE), Buffer.allocUnsafe(PIECE)];
          let pending = read(bufs[0]!);
          pending.catch(() => {}); // awaited below; this only keeps an abandoned one quiet
          for (;;) {
            const n = await pending;
            if (n === 0) break;
            const piece = bufs[0]!.subarray(0, n);
            pending = read(bufs[1]!);
            pending.catch(() => {});
            scan?.scan(piece);
            await writer.write(piece);
            size += n;
            bufs = [bufs[1]!, bufs[0]!];
          }
        }
        if (size !== st.size) {
          throw new ImportError(
            "io",
            show(path),
            `file changed while reading: expected ${st.size} bytes, read ${size}`,
          );
        }
        const digest = await writer.close();
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

/**
 * The Node edge of NAR: a local file system tree as a writer input (`fsNarNode`, what
 * `nix-store --dump` serialises), and a safe unpacker (`unpackNar`, like `nix-store --restore`).
 *
 * Paths are handled as raw bytes (Buffers) throughout, so names that are not UTF-8 survive.
 * The walker uses synchronous system calls: for NAR dumping they are several times cheaper per
 * file than libuv round trips, and the work is sequential anyway. File contents are read
 * straight into the writer's buffers, so memory does not grow with file size.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ChunkSource, NarEntryInput, NarNodeInput } from "@tvix-ts/nix-compat";
import { readNar } from "@tvix-ts/nix-compat";
import { UserError } from "./errors.ts";

export interface FsNarOptions {
  /** Piece size for `readFileChunks` (default 1 MiB). */
  readonly readChunk?: number;
}

const SLASH = Buffer.from("/");
const DEFAULT_READ_CHUNK = 1024 * 1024;
const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

function show(p: Buffer | string): string {
  return typeof p === "string" ? p : p.toString("utf8");
}

/** An errno failure as a one-line user error, worded like Nix. */
function fsError(what: string, p: Buffer | string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string") return err as Error;
  const reason =
    {
      ENOENT: "No such file or directory",
      EACCES: "Permission denied",
      ENOTDIR: "Not a directory",
      ELOOP: "Too many levels of symbolic links",
      EISDIR: "Is a directory",
      EEXIST: "File exists",
      ENOSPC: "No space left on device",
    }[err.code] ?? err.message;
  return new UserError(`${what} '${show(p)}': ${reason}`, { cause: e });
}

function typeName(st: fs.Stats): string {
  if (st.isSocket()) return "a socket";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "of an unknown type";
}

function unsupported(p: Buffer, st: fs.Stats): Error {
  return new UserError(`file '${show(p)}' has an unsupported type: it is ${typeName(st)}`);
}

function read(fd: number, p: Buffer, into: Uint8Array, position: number): number {
  try {
    return fs.readSync(fd, into, 0, into.length, position);
  } catch (e) {
    throw fsError("reading file", p, e);
  }
}

function lstat(p: Buffer): fs.Stats {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    throw fsError("getting status of", p, e);
  }
}

/**
 * A regular file as writer input, from its already open descriptor: the writer reads the
 * contents straight into its own buffers (`NarContentReader`) and closes the descriptor.
 */
function fileNode(p: Buffer, fd: number, st: fs.Stats): NarNodeInput {
  return {
    type: "regular",
    // Like Nix: executable when the owner may execute it.
    executable: (st.mode & 0o100) !== 0,
    size: st.size,
    contents: () => ({
      readInto: (into: Uint8Array, position: number) => read(fd, p, into, position),
      close: () => fs.closeSync(fd),
    }),
  };
}

function symlinkNode(p: Buffer): NarNodeInput {
  try {
    return { type: "symlink", target: fs.readlinkSync(p, { encoding: "buffer" }) };
  } catch (e) {
    throw fsError("reading symbolic link", p, e);
  }
}

/** The node at `p`, from `lstat` (for the root, and when a directory entry has no type). */
function nodeAt(p: Buffer): NarNodeInput {
  const st = lstat(p);
  if (st.isFile()) {
    let fd: number;
    try {
      fd = fs.openSync(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
      throw fsError("opening file", p, e);
    }
    let st2: fs.Stats;
    try {
      st2 = fs.fstatSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw fsError("getting status of", p, e);
    }
    if (!st2.isFile()) {
      fs.closeSync(fd);
      return nodeAt(p);
    }
    return fileNode(p, fd, st2);
  }
  if (st.isDirectory()) return { type: "directory", entries: () => listDirectory(p) };
  if (st.isSymbolicLink()) return symlinkNode(p);
  throw unsupported(p, st);
}

/**
 * The node for a directory entry whose type `readdir` reported. A regular file is opened right
 * away and examined with `fstat` (cheaper than `lstat` by path, and the descriptor is needed
 * anyway); if the entry changed type in the meantime, this falls back to `lstat`.
 */
function entryNode(p: Buffer, d: fs.Dirent<Buffer>): NarNodeInput {
  if (d.isFile()) {
    let fd: number;
    try {
      // O_NONBLOCK: should the file have become a FIFO, opening must not block.
      fd = fs.openSync(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch {
      return nodeAt(p);
    }
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw fsError("getting status of", p, e);
    }
    if (st.isFile()) return fileNode(p, fd, st);
    fs.closeSync(fd);
    return nodeAt(p);
  }
  if (d.isDirectory()) return { type: "directory", entries: () => listDirectory(p) };
  if (d.isSymbolicLink()) return symlinkNode(p);
  return nodeAt(p);
}

function listDirectory(p: Buffer): NarEntryInput[] {
  let dirents: fs.Dirent<Buffer>[];
  try {
    dirents = fs.readdirSync(p, { encoding: "buffer", withFileTypes: true });
  } catch (e) {
    throw fsError("opening directory", p, e);
  }
  dirents.sort((a, b) => Buffer.compare(a.name, b.name));
  const prefix = Buffer.concat([p, SLASH]);
  return dirents.map((d) => ({
    name: d.name,
    node: () => entryNode(Buffer.concat([prefix, d.name]), d),
  }));
}

/**
 * The tree at `path` as NAR writer input. The root is examined immediately (so a missing path
 * fails here); everything below is read lazily, in NAR order, as the writer walks it. Regular
 * files are opened when the writer reaches them and closed as soon as their contents are written.
 */
export function fsNarNode(path: string | Buffer): NarNodeInput {
  return nodeAt(typeof path === "string" ? Buffer.from(path) : path);
}

/**
 * The contents of the regular file at `path` as chunks (for `--flat` hashing); like
 * `nix-hash --flat`, a symlink is followed. Chunks are fresh buffers unless `reuse`, when one
 * buffer is refilled (each chunk is then valid until the next is requested).
 */
export function* readFileChunks(
  path: string,
  opts: FsNarOptions & { reuse?: boolean } = {},
): Generator<Uint8Array> {
  const p = Buffer.from(path);
  let fd: number;
  try {
    fd = fs.openSync(p, O_RDONLY | O_NONBLOCK);
  } catch (e) {
    throw fsError("opening file", p, e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UserError(`'${path}' is not a regular file`);
    const chunk = opts.readChunk ?? DEFAULT_READ_CHUNK;
    let buf: Buffer | undefined;
    for (let pos = 0; pos < st.size; ) {
      const want = Math.min(chunk, st.size - pos);
      if (!opts.reuse || !buf) buf = Buffer.allocUnsafeSlow(want);
      const n = read(fd, p, buf.subarray(0, want), pos);
      if (n === 0) throw new UserError(`file '${path}' got shorter while it was being read`);
      yield buf.subarray(0, n);
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export interface UnpackOptions {
  /** Passed to the NAR reader (default: 64, like current CppNix). */
  readonly maxDepth?: number;
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw fsError("getting status of", p, e);
  }
}

function writeFully(fd: number, p: Buffer, b: Uint8Array): void {
  let o = 0;
  while (o < b.length) {
    try {
      o += fs.writeSync(fd, b, o, b.length - o);
    } catch (e) {
      throw fsError("writing file", p, e);
    }
  }
}

/**
 * Unpacks a NAR into `dest`, which must not exist (like `nix-store --restore`). Everything is
 * written into a fresh temporary name beside `dest` and renamed into place at the end; on any
 * error (including an invalid or truncated NAR) what was written is removed again. Only entries
 * below the temporary root are created, always exclusively (`O_EXCL`, `mkdir`), and paths built
 * from validated names never pass through a symlink created from the archive.
 */
export async function unpackNar(
  source: ChunkSource | Uint8Array,
  dest: string,
  opts: UnpackOptions = {},
): Promise<void> {
  if (exists(dest)) throw new UserError(`cannot unpack into '${dest}': it already exists`);
  const parent = dirname(dest);
  if (!exists(parent))
    throw new UserError(`cannot unpack into '${dest}': '${parent}' does not exist`);
  const tmpName = join(parent, `.${basename(dest)}.tvix-unpack-${randomBytes(6).toString("hex")}`);
  const tmp = Buffer.from(tmpName);
  try {
    for await (const ev of readNar(source, { maxDepth: opts.maxDepth })) {
      let p = tmp;
      if (ev.path.length > 0) {
        const parts: Uint8Array[] = [tmp];
        for (const n of ev.path) parts.push(SLASH, n);
        p = Buffer.concat(parts);
      }
      switch (ev.type) {
        case "directory-start":
          try {
            fs.mkdirSync(p, 0o777);
          } catch (e) {
            throw fsError("creating directory", p, e);
          }
          break;
        case "directory-end":
          break;
        case "symlink":
          try {
            fs.symlinkSync(
              Buffer.from(ev.target.buffer, ev.target.byteOffset, ev.target.length),
              p,
            );
          } catch (e) {
            throw fsError("creating symlink", p, e);
          }
          break;
        case "regular": {
          let fd: number;
          try {
            const c = fs.constants;
            fd = fs.openSync(p, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, 0o666);
          } catch (e) {
            throw fsError("creating file", p, e);
          }
          try {
            for await (const chunk of ev.contents) writeFully(fd, p, chunk);
            if (ev.executable) fs.fchmodSync(fd, fs.fstatSync(fd).mode | 0o111);
          } finally {
            fs.closeSync(fd);
          }
          break;
        }
      }
    }
    if (exists(dest)) throw new UserError(`cannot unpack into '${dest}': it already exists`);
    try {
      fs.renameSync(tmp, dest);
    } catch (e) {
      throw fsError("renaming into", dest, e);
    }
  } catch (e) {
    // rm does not follow symlinks: only what was created below `tmp` goes.
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

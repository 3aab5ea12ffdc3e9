/**
 * ObjectStore over a local directory (`objectstore+file:///DIR`). Each object is a file at its
 * key; writes go to a temporary file under `DIR/.tmp` and are renamed into place, so a crashed
 * or killed writer never leaves a partial object visible (only orphaned temp files, which are
 * swept on open).
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFile as readFileCb,
  renameSync,
  unlinkSync,
  writeFile as writeFileCb,
  writevSync,
} from "node:fs";
import { mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { plain } from "../bytes.ts";
import { checkKey, type ObjectStore } from "./types.ts";

const TMP = ".tmp";

// The callback forms work on plain file descriptors; the promise forms create a FileHandle
// object per call, which showed up as a large cost with many small objects.
const readFile = promisify(readFileCb);
const writeFile = promisify(writeFileCb);

export class FileObjectStore implements ObjectStore {
  readonly root: string;
  #ready: Promise<void> | undefined;
  readonly #dirs = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  /** Creates the root and sweeps temp files a previous, killed writer may have left. */
  #init(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(join(this.root, TMP), { recursive: true });
      const stale = await readdir(join(this.root, TMP));
      const hourAgo = Date.now() - 3600_000;
      for (const f of stale) {
        const p = join(this.root, TMP, f);
        // Only old ones: a live writer in another process may still be using a fresh one.
        const st = await stat(p).catch(() => undefined);
        if (st && st.mtimeMs < hourAgo) await rm(p, { force: true });
      }
    })();
    return this.#ready;
  }

  localPath(key: string): string {
    return this.#path(key);
  }

  /** The root, once it is ready for `FileObjectWriter`s (in worker threads) to write into. */
  async localWriteRoot(): Promise<string> {
    await this.#init();
    return this.root;
  }

  #path(key: string): string {
    checkKey(key);
    if (key.split("/")[0] === TMP) throw new Error(`invalid object key: ${key}`);
    return join(this.root, key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return plain(await readFile(this.#path(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async head(key: string): Promise<boolean> {
    try {
      await stat(this.#path(key));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const target = this.#path(key);
    await this.#init();
    const tmp = join(this.root, TMP, `${randomBytes(12).toString("hex")}`);
    try {
      await writeFile(tmp, data);
      const dir = dirname(target);
      // Shard directories are made once per process, not once per object.
      if (!this.#dirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.#dirs.add(dir);
      }
      try {
        await rename(tmp, target);
      } catch (e) {
        // Removed behind our back: make it again.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        await mkdir(dir, { recursive: true });
        await rename(tmp, target);
      }
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}

/**
 * `FileObjectStore.put` and `head` for chunks (`chunks/b3/<4 hex>/<hex>`), synchronously, for a
 * worker thread writing into a root made ready by `localWriteRoot()`: the same temp file +
 * rename, the same keys. Paths are put together directly from the digest's hex (a chunk is
 * stored per small file, and `path.join` and key checks cost more than the string itself).
 */
export class FileObjectWriter {
  readonly #chunks: string;
  readonly #tmp: string;
  /** Shard directories known to exist. */
  readonly #dirs = new Set<string>();
  #n = 0;

  constructor(root: string) {
    this.#chunks = `${root}/chunks/b3/`;
    // Temp names: a random prefix per writer and a counter (no random bytes per object).
    this.#tmp = `${root}/${TMP}/${randomBytes(8).toString("hex")}-`;
  }

  /**
   * Whether the chunk with this digest (lowercase hex) still has to be stored. Also makes its
   * shard directory: when that directory is new (most of them, in a fresh store), the answer
   * is known without looking.
   */
  needsChunk(hex: string): boolean {
    checkHex(hex);
    const shard = hex.slice(0, 4);
    if (!this.#dirs.has(shard)) {
      const made = mkdirSync(this.#chunks + shard, { recursive: true });
      this.#dirs.add(shard);
      if (made !== undefined) return true;
    }
    return !existsSync(`${this.#chunks}${shard}/${hex}`);
  }

  /** Stores the concatenation of `parts` as the chunk with this digest (lowercase hex). */
  putChunk(hex: string, parts: readonly Uint8Array[]): void {
    checkHex(hex);
    const shard = hex.slice(0, 4);
    const dir = this.#chunks + shard;
    const target = `${dir}/${hex}`;
    const tmp = this.#tmp + this.#n++;
    try {
      const fd = openSync(tmp, "wx");
      try {
        writeAll(fd, parts);
      } finally {
        closeSync(fd);
      }
      if (!this.#dirs.has(shard)) {
        mkdirSync(dir, { recursive: true });
        this.#dirs.add(shard);
      }
      try {
        renameSync(tmp, target);
      } catch (e) {
        // Removed behind our back: make it again.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        mkdirSync(dir, { recursive: true });
        renameSync(tmp, target);
      }
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {}
      throw e;
    }
  }
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

function checkHex(hex: string): void {
  if (!HEX_DIGEST.test(hex)) throw new Error(`invalid chunk digest: ${hex}`);
}

/** writev until every byte of `parts` is written (a short write continues where it stopped). */
function writeAll(fd: number, parts: readonly Uint8Array[]): void {
  let left = parts.filter((p) => p.length > 0);
  while (left.length > 0) {
    let n = writevSync(fd, left);
    const rest: Uint8Array[] = [];
    for (const p of left) {
      if (n >= p.length) n -= p.length;
      else {
        rest.push(n > 0 ? p.subarray(n) : p);
        n = 0;
      }
    }
    left = rest;
  }
}

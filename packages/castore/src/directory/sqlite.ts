/**
 * `sqlite:///FILE` DirectoryService on node:sqlite in WAL mode: one table of canonical
 * encodings keyed by digest. A closure from a putter is inserted in one transaction, so a killed
 * writer leaves either the whole closure or none of it. `sqlite://` (no path) is in-memory.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { plain } from "../bytes.ts";
import { DirectoryServiceError } from "../errors.ts";
import type { B3Digest } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";
import type { ClosureOptions } from "./closure.ts";
import { verifiedDecode } from "./memory.ts";
import { BatchPutter } from "./putter.ts";
import { traverseDirectory } from "./traverse.ts";
import type { DirectoryPutter, DirectoryService } from "./types.ts";

export class SqliteDirectoryService implements DirectoryService {
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #insert: StatementSync;
  readonly #options: ClosureOptions;

  /** `path` undefined or ":memory:" for a temporary in-memory database. */
  constructor(path?: string, options: ClosureOptions = {}) {
    this.#options = options;
    try {
      // Like the file object store, create the parent directory on first use.
      if (path !== undefined && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.#db = new DatabaseSync(path ?? ":memory:");
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      this.#db.exec("PRAGMA busy_timeout = 5000");
      this.#db.exec(
        "CREATE TABLE IF NOT EXISTS directories (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID",
      );
      this.#select = this.#db.prepare("SELECT data FROM directories WHERE digest = ?");
      this.#insert = this.#db.prepare(
        "INSERT OR IGNORE INTO directories (digest, data) VALUES (?, ?)",
      );
    } catch (e) {
      throw backendError(e);
    }
  }

  async get(digest: B3Digest): Promise<Directory | undefined> {
    let row: { data: Uint8Array } | undefined;
    try {
      row = this.#select.get(digest) as { data: Uint8Array } | undefined;
    } catch (e) {
      throw backendError(e);
    }
    return row ? verifiedDecode(digest, plain(row.data)) : undefined;
  }

  async put(directory: Directory): Promise<B3Digest> {
    const digest = directory.digest();
    try {
      this.#insert.run(digest, directory.encode());
    } catch (e) {
      throw backendError(e);
    }
    return digest;
  }

  getRecursive(root: B3Digest): AsyncIterable<Directory> {
    return traverseDirectory((d) => this.get(d), root);
  }

  putMultipleStart(): DirectoryPutter {
    return new BatchPutter(async (_root, dirs) => {
      try {
        this.#db.exec("BEGIN IMMEDIATE");
        try {
          for (const d of dirs) this.#insert.run(d.digest(), d.encode());
          this.#db.exec("COMMIT");
        } catch (e) {
          this.#db.exec("ROLLBACK");
          throw e;
        }
      } catch (e) {
        throw backendError(e);
      }
    }, this.#options);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function backendError(e: unknown): DirectoryServiceError {
  if (e instanceof DirectoryServiceError) return e;
  return new DirectoryServiceError("backend", `sqlite: ${(e as Error).message}`, { cause: e });
}

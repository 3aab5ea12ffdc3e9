/**
 * `sqlite:///FILE` PathInfoService (our embedded default, Tvix has redb): one table of encoded
 * PathInfo messages keyed by the 20-byte digest, node:sqlite in WAL mode. Each put is one
 * statement, so a killed writer leaves the row either whole or absent. Rows are validated when
 * read; a row that does not decode (or is filed under the wrong digest) is an `integrity`
 * error. `sqlite://` (no path) is a temporary in-memory database.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { bytesEqual } from "@tvix-ts/nix-compat";
import { PathInfoError, PathInfoServiceError } from "../errors.ts";
import type { PathInfo } from "../path-info/path-info.ts";
import { decodePathInfo, encodePathInfo } from "../path-info/proto.ts";
import { checkDigest } from "./digest.ts";
import type { PathInfoService } from "./types.ts";

export class SqlitePathInfoService implements PathInfoService {
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;
  readonly #all: StatementSync;

  /** `path` undefined for a temporary in-memory database. */
  constructor(path?: string) {
    try {
      if (path !== undefined) mkdirSync(dirname(path), { recursive: true });
      this.#db = new DatabaseSync(path ?? ":memory:");
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      this.#db.exec("PRAGMA busy_timeout = 5000");
      this.#db.exec(
        "CREATE TABLE IF NOT EXISTS pathinfo (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID",
      );
      this.#select = this.#db.prepare("SELECT data FROM pathinfo WHERE digest = ?");
      this.#upsert = this.#db.prepare(
        "INSERT INTO pathinfo (digest, data) VALUES (?, ?) ON CONFLICT(digest) DO UPDATE SET data = excluded.data",
      );
      this.#all = this.#db.prepare("SELECT digest, data FROM pathinfo");
    } catch (e) {
      throw backendError(e);
    }
  }

  async get(digest: Uint8Array): Promise<PathInfo | undefined> {
    checkDigest(digest);
    let row: { data: Uint8Array } | undefined;
    try {
      row = this.#select.get(digest) as { data: Uint8Array } | undefined;
    } catch (e) {
      throw backendError(e);
    }
    return row ? decodeRow(digest, row.data) : undefined;
  }

  async put(info: PathInfo): Promise<PathInfo> {
    try {
      this.#upsert.run(info.storePath.digest, encodePathInfo(info));
    } catch (e) {
      throw backendError(e);
    }
    return info;
  }

  async *list(): AsyncGenerator<PathInfo> {
    let rows: { digest: Uint8Array; data: Uint8Array }[];
    try {
      // Read everything first: iterating a statement while others write to the database would
      // hold a read transaction open across awaits.
      rows = this.#all.all() as { digest: Uint8Array; data: Uint8Array }[];
    } catch (e) {
      throw backendError(e);
    }
    for (const r of rows) yield decodeRow(r.digest, r.data);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function decodeRow(digest: Uint8Array, data: Uint8Array): PathInfo {
  let info: PathInfo;
  try {
    info = decodePathInfo(new Uint8Array(data));
  } catch (e) {
    if (!(e instanceof PathInfoError)) throw e;
    throw new PathInfoServiceError(
      "integrity",
      `sqlite: stored PathInfo is invalid: ${e.message}`,
      {
        cause: e,
      },
    );
  }
  if (!bytesEqual(info.storePath.digest, digest)) {
    throw new PathInfoServiceError(
      "integrity",
      `sqlite: row for digest ${Buffer.from(digest).toString("hex")} holds ${info.storePath.baseName}`,
    );
  }
  return info;
}

function backendError(e: unknown): PathInfoServiceError {
  if (e instanceof PathInfoServiceError) return e;
  return new PathInfoServiceError("backend", `sqlite: ${(e as Error).message}`, { cause: e });
}

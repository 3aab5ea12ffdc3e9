/**
 * One evaluation's glue state: the known paths, the IO with the store behind it, and the link
 * to the host thread (absent when evaluating without a store host: then everything that only
 * computes paths works, and whatever needs the store's contents or a download fails clearly).
 */

import { type EvalIO, IOFailure, throwEval } from "@tvix-ts/eval";
import {
  ContentAddress,
  digest,
  makeFixedOutputPath,
  makeSourcePath,
  makeTextPath,
  NixHash,
  toHex,
} from "@tvix-ts/nix-compat/core";
import type { Fetch, FetchResult, StatResult } from "../protocol.ts";
import { GlueIO } from "./glue-io.ts";
import { HostCallError, type HostLink } from "./host-link.ts";
import { KnownPaths } from "./known-paths.ts";
import { narSha256Local, type PathFilter, UnsupportedFileType } from "./local-nar.ts";

export interface GlueSessionOptions {
  /** The local file system, environment and stderr. */
  io: EvalIO;
  link?: HostLink;
  storeDir?: string;
  /** Keep `.drv` files and write computed paths to the store (tvix instantiate). */
  persist?: boolean;
}

export class GlueSession {
  readonly known = new KnownPaths();
  readonly io: GlueIO;
  readonly link: HostLink | undefined;
  readonly storeDir: string;
  readonly persist: boolean;
  readonly #statCache = new Map<string, StatResult>();

  constructor(opts: GlueSessionOptions) {
    this.link = opts.link;
    this.storeDir = opts.storeDir ?? "/nix/store";
    this.persist = opts.persist ?? opts.link?.persist ?? false;
    this.io = new GlueIO(opts.io, this);
  }

  warn(msg: string): void {
    this.io.stderr(`warning: ${msg}\n`);
  }

  /**
   * Imports a local path (coercion, `builtins.path`, `filterSource`): hashes it here and
   * records it; the host copies it into the store when the evaluation persists. `expected`
   * is `builtins.path`'s `sha256`.
   */
  importLocal(
    path: string,
    name: string,
    filter: PathFilter | null,
    flat: boolean,
    expected: NixHash | undefined,
  ): string {
    const excluded = new Set<string>();
    let storePath: string;
    let narHex = "";
    try {
      if (flat) {
        if (this.io.readFileType(path) !== "regular")
          throwEval(`cannot import '${path}' in flat mode: it is not a regular file`);
        const h = new NixHash("sha256", digest("sha256", this.io.readFile(path)));
        storePath = makeFixedOutputPath(name, new ContentAddress("flat", h)).toAbsolutePath();
      } else {
        const nar = narSha256Local(this.io, path, filter, excluded);
        narHex = toHex(nar);
        storePath = makeSourcePath(name, nar).toAbsolutePath();
      }
    } catch (e) {
      if (e instanceof IOFailure) return throwEval(`getting status of '${path}': ${e.message}`);
      if (e instanceof UnsupportedFileType) return throwEval(e.message);
      throw e;
    }
    if (expected !== undefined) {
      const want = makeFixedOutputPath(
        name,
        new ContentAddress(flat ? "flat" : "nar", expected),
      ).toAbsolutePath();
      if (want !== storePath)
        throwEval(`store path mismatch in (possibly filtered) path added from '${path}'`);
    }
    if (!this.known.imports.has(storePath)) {
      this.known.imports.set(storePath, { source: path, excluded, flat });
      if (this.persist && this.link !== undefined)
        this.link.post({
          op: "persistImport",
          storePath,
          source: path,
          excluded: [...excluded],
          flat,
          narSha256Hex: narHex,
        });
    }
    return storePath;
  }

  /** `builtins.toFile`: a text store path with references. */
  addText(name: string, contents: string, refs: string[]): string {
    let storePath: string;
    try {
      storePath = makeTextPath(name, Buffer.from(contents, "latin1"), refs).toAbsolutePath();
    } catch (e) {
      return throwEval((e as Error).message);
    }
    if (!this.known.texts.has(storePath)) {
      const references = [...new Set(refs)].sort();
      this.known.texts.set(storePath, { contents, references });
      if (this.persist && this.link !== undefined)
        this.link.post({ op: "persistText", storePath, name, contents, refs: references });
    }
    return storePath;
  }

  /** Records a fetch whose store path is known without downloading. */
  addLazyFetch(storePath: string, fetch: Fetch): void {
    if (!this.known.fetches.has(storePath)) this.known.fetches.set(storePath, fetch);
  }

  #call(req: Parameters<HostLink["call"]>[0]): unknown {
    if (this.link === undefined)
      return throwEval(`${req.op}: this evaluation has no store (no host thread)`);
    try {
      return this.link.call(req);
    } catch (e) {
      if (e instanceof HostCallError) return throwEval(e.message);
      throw e;
    }
  }

  /** Downloads now; returns the store path (checked against `expectedPath` by the host). */
  fetchNow(fetch: Fetch, expectedPath?: string): FetchResult {
    const r = this.#call({ op: "fetch", fetch, expectedPath }) as FetchResult;
    this.#statCache.clear();
    this.known.fetched.add(r.storePath);
    return r;
  }

  /** Makes a lazily known fetch's store path present in the store. */
  realiseFetch(storePath: string): void {
    const f = this.known.fetches.get(storePath);
    if (f === undefined || this.known.fetched.has(storePath)) return;
    this.fetchNow(f, storePath);
    this.known.fetched.add(storePath);
  }

  hostStat(path: string): StatResult {
    if (this.link === undefined) return { type: "missing" };
    let st = this.#statCache.get(path);
    if (st === undefined) {
      st = this.#call({ op: "stat", path }) as StatResult;
      this.#statCache.set(path, st);
    }
    return st;
  }

  hostReadFile(path: string): Uint8Array {
    return this.#call({ op: "readFile", path }) as Uint8Array;
  }

  hostReadDir(path: string): [string, "regular" | "directory" | "symlink" | "unknown"][] {
    return this.#call({ op: "readDir", path }) as [string, "regular"][];
  }

  /** References of a store path from the store (for paths this evaluation did not make). */
  hostReferences(storePath: string): string[] | undefined {
    if (this.link === undefined) return undefined;
    return this.#call({ op: "references", storePath }) as string[] | undefined;
  }

  /** Waits until the host has persisted everything posted so far. */
  flush(): void {
    if (this.link !== undefined) this.#call({ op: "flush" });
  }
}

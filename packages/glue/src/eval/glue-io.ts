/**
 * The evaluator's IO with the store behind it (Tvix's TvixStoreIO): paths below the store
 * directory are served from what this evaluation knows (imported sources are read from where
 * they came from, `toFile` texts from memory), then from the store through the host (fetching a
 * lazily known fetch first), and finally from the local file system, so that a real /nix/store
 * works too. `<nix/fetchurl.nix>` is served from an embedded copy under /__corepkgs__.
 * Every other path goes to the base IO (the local file system).
 */
import { type EvalIO, type FileType, IOFailure } from "@tvix-ts/eval";
import type { StatResult } from "../protocol.ts";
import { COREPKGS_DIR, corepkgsFile } from "./corepkgs.ts";
import type { GlueSession } from "./session.ts";
import { splitStorePath } from "./store-paths.ts";

type Where =
  | { kind: "base"; path: string }
  | { kind: "bytes"; data: Uint8Array }
  | { kind: "host"; path: string }
  | { kind: "missing" };

const NOENT = "No such file or directory";

export class GlueIO implements EvalIO {
  readonly base: EvalIO;
  readonly session: GlueSession;
  constructor(base: EvalIO, session: GlueSession) {
    this.base = base;
    this.session = session;
  }

  /** Where the bytes of `path` live. */
  #where(path: string): Where {
    if (path === COREPKGS_DIR || path.startsWith(`${COREPKGS_DIR}/`)) {
      const data = corepkgsFile(path);
      return data === undefined ? { kind: "missing" } : { kind: "bytes", data };
    }
    const s = this.session;
    const inStore = splitStorePath(path, s.storeDir);
    if (inStore === undefined) return { kind: "base", path };
    const { storePath, sub } = inStore;
    const known = s.known;
    const imp = known.imports.get(storePath);
    if (imp !== undefined) {
      if (imp.flat) return sub === "" ? { kind: "base", path: imp.source } : { kind: "missing" };
      const local = imp.source + sub;
      for (const x of imp.excluded)
        if (local === x || local.startsWith(`${x}/`)) return { kind: "missing" };
      return { kind: "base", path: local };
    }
    const text = known.texts.get(storePath);
    if (text !== undefined)
      return sub === ""
        ? { kind: "bytes", data: Buffer.from(text.contents, "latin1") }
        : { kind: "missing" };
    const drv = known.derivations.get(storePath);
    if (drv?.aterm !== undefined)
      return sub === "" ? { kind: "bytes", data: drv.aterm } : { kind: "missing" };
    if (s.link !== undefined) {
      if (known.fetches.has(storePath)) s.realiseFetch(storePath);
      else if (known.producerOf(storePath) !== undefined && !this.base.pathExists(storePath)) {
        if (s.hostStat(storePath).type === "missing")
          throw new IOFailure(
            `cannot read '${path}': building derivations (import from derivation) is not supported yet`,
          );
      }
      if (s.hostStat(storePath).type !== "missing") return { kind: "host", path };
    } else if (known.fetches.has(storePath) && !this.base.pathExists(storePath)) {
      throw new IOFailure(`cannot fetch '${storePath}': no store host in this evaluation`);
    }
    return { kind: "base", path };
  }

  #stat(path: string): StatResult {
    return this.session.hostStat(path);
  }

  pathExists(path: string): boolean {
    const w = this.#where(path);
    switch (w.kind) {
      case "base":
        return this.base.pathExists(w.path);
      case "bytes":
        return true;
      case "host":
        return this.#stat(w.path).type !== "missing";
      case "missing":
        return false;
    }
  }

  readFile(path: string): Uint8Array {
    const w = this.#where(path);
    switch (w.kind) {
      case "base":
        return this.base.readFile(w.path);
      case "bytes":
        return w.data;
      case "host":
        return this.session.hostReadFile(w.path);
      case "missing":
        throw new IOFailure(NOENT);
    }
  }

  readDir(path: string): [string, FileType][] {
    const w = this.#where(path);
    switch (w.kind) {
      case "base":
        return this.base.readDir(w.path);
      case "bytes":
        throw new IOFailure("Not a directory");
      case "host":
        return this.session.hostReadDir(w.path);
      case "missing":
        throw new IOFailure(NOENT);
    }
  }

  readFileType(path: string): FileType {
    const w = this.#where(path);
    switch (w.kind) {
      case "base":
        return this.base.readFileType(w.path);
      case "bytes":
        return "regular";
      case "host": {
        const t = this.#stat(w.path).type;
        if (t === "missing") throw new IOFailure(NOENT);
        return t;
      }
      case "missing":
        throw new IOFailure(NOENT);
    }
  }

  readLink(path: string): string {
    const w = this.#where(path);
    if (w.kind === "base") return this.base.readLink(w.path);
    if (w.kind === "host") {
      const st = this.#stat(w.path);
      if (st.type === "symlink") return st.target;
      if (st.type === "missing") throw new IOFailure(NOENT);
    }
    if (w.kind === "missing") throw new IOFailure(NOENT);
    throw new IOFailure("Invalid argument");
  }

  isExecutable(path: string): boolean {
    const w = this.#where(path);
    if (w.kind === "base") return this.base.isExecutable(w.path);
    if (w.kind === "host") {
      const st = this.#stat(w.path);
      return st.type === "regular" && st.executable;
    }
    return false;
  }

  realPath(path: string): string {
    if (splitStorePath(path, this.session.storeDir) !== undefined) return path;
    if (path.startsWith(`${COREPKGS_DIR}/`)) return path;
    return this.base.realPath(path);
  }

  getEnv(name: string): string | undefined {
    return this.base.getEnv(name);
  }
  currentTime(): number {
    return this.base.currentTime();
  }
  stderr(text: string): void {
    this.base.stderr(text);
  }

  importPath(path: string, name: string): string {
    return this.session.importLocal(path, name, null, false, undefined);
  }
}

/**
 * Messages between the evaluating thread and the host thread that owns the store services.
 * The evaluator is synchronous; the store is asynchronous. The evaluating thread posts a
 * request and sleeps on a shared flag (`Atomics.wait`) until the host has answered on the same
 * port (see eval/host-link.ts and host/host.ts). Persist messages need no answer.
 *
 * Paths are byte strings (latin1 JS strings), like everywhere in the evaluator.
 */
import type { MessagePort } from "node:worker_threads";

/**
 * How a fetch produces its store path (KnownPaths records these for lazy fetching). Without a
 * hash the host computes it (sha256) after downloading.
 */
export type Fetch =
  /** One file: `flat` = content-addressed by its bytes; `executable` = by the NAR of an executable file. */
  | { kind: "file"; url: string; name: string; hash?: HashSpec; mode: "flat" | "executable" }
  /** A tarball (any supported compression), unpacked; NAR sha256 of the tree. */
  | { kind: "tarball"; url: string; name: string; hash?: HashSpec }
  /** A NAR (possibly compressed), unpacked; `builtin:fetchurl` with `unpack`. */
  | { kind: "nar"; url: string; name: string; hash: HashSpec }
  /** A git revision exported by the git program (submodules optional). */
  | {
      kind: "git";
      url: string;
      name: string;
      /** A full revision, or "" for the ref's (or HEAD's) current one. */
      rev: string;
      ref?: string;
      submodules: boolean;
      allRefs: boolean;
      hash?: HashSpec;
    };

/** What a fetch put into the store. */
export interface FetchResult {
  storePath: string;
  narHashSri: string;
  git?: GitInfo;
}

/** A hash as hex with its algorithm. */
export interface HashSpec {
  algo: "md5" | "sha1" | "sha256" | "sha512";
  hex: string;
}

/** What a store path resolves to when read. */
export type StatResult =
  | { type: "regular"; executable: boolean; size: number }
  | { type: "directory" }
  | { type: "symlink"; target: string }
  | { type: "missing" };

export type Request =
  | { op: "stat"; path: string }
  | { op: "readFile"; path: string }
  | { op: "readDir"; path: string }
  | { op: "references"; storePath: string }
  /** Fetch now (no hash known, or the content is needed); returns the store path. */
  | { op: "fetch"; fetch: Fetch; expectedPath?: string }
  | { op: "flush" };

/** Fire-and-forget requests: the host persists what the evaluator computed. */
export type Persist =
  | {
      op: "persistImport";
      storePath: string;
      source: string;
      /** Absolute paths (below `source`) that the filter rejected. */
      excluded: string[];
      flat: boolean;
      narSha256Hex: string;
    }
  | { op: "persistText"; storePath: string; name: string; contents: string; refs: string[] };

export type Response = { ok: true; value: unknown } | { ok: false; message: string; kind?: string };

export interface GitInfo {
  rev: string;
  revCount: number;
  lastModified: number;
  /** True when the working tree of a local repository has uncommitted changes. */
  dirty: boolean;
}

/** What the evaluating thread needs to talk to the host. */
export interface LinkInit {
  /** The evaluating thread's end of the channel (absent when `start` makes it). */
  port?: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] = answer-ready flag. */
  flag: Int32Array;
  /** Whether computed paths must be written to the store (tvix instantiate). */
  persist: boolean;
  /**
   * Called once, before the first message, when the host is started by the evaluating thread
   * itself (the evaluation runs on the main thread and the host in a worker that is started only
   * if the evaluation needs the store); returns this thread's end of the channel. Absent when
   * this is sent to an evaluating worker.
   */
  start?: () => MessagePort;
}

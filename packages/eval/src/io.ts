/**
 * The evaluator's only door to the host: files, environment, time, diagnostics output. The CLI
 * provides a Node implementation (packages/cli/src/eval-io.ts); `MemoryIO` serves tests and
 * embedders without a file system.
 *
 * Paths are absolute byte strings. Failures are reported by throwing `IOFailure` with CppNix's
 * wording of the OS error (e.g. "No such file or directory").
 */
import { byteStringToBytes } from "./bytes.ts";

export type FileType = "regular" | "directory" | "symlink" | "unknown";

export class IOFailure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

export interface EvalIO {
  pathExists(path: string): boolean;
  /** File contents as bytes (follows symlinks). */
  readFile(path: string): Uint8Array;
  /** Entries of a directory (type of each entry without following symlinks). */
  readDir(path: string): [string, FileType][];
  /** Type of a path without following a final symlink. */
  readFileType(path: string): FileType;
  readLink(path: string): string;
  /** Whether a regular file is executable (for NAR serialisation when copying to the store). */
  isExecutable(path: string): boolean;
  /** The path with symlinks resolved (cache key for `import`). */
  realPath(path: string): string;
  getEnv(name: string): string | undefined;
  /** Seconds since the epoch. */
  currentTime(): number;
  /** Writes a diagnostic line (a byte string, newline included) to standard error. */
  stderr(text: string): void;
  /**
   * Optional host hook: copies `path` into the store under `name` (as `nix-store --add`) and
   * returns the store path. Used when a path value is coerced with copy-to-store; without it the
   * evaluator only computes the store path from the path's NAR.
   */
  importPath?(path: string, name: string): string;
}

type Node =
  | { type: "regular"; data: Uint8Array }
  | { type: "directory" }
  | { type: "symlink"; target: string };

/** An in-memory file system plus environment, for tests and hosts without files. */
export class MemoryIO implements EvalIO {
  readonly files = new Map<string, Node>();
  readonly env = new Map<string, string>();
  readonly errors: string[] = [];
  time = 0;

  constructor(files: Record<string, string | Uint8Array> = {}) {
    this.files.set("/", { type: "directory" });
    for (const [p, d] of Object.entries(files)) this.addFile(p, d);
  }

  addFile(path: string, data: string | Uint8Array): void {
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++)
      this.files.set(`/${parts.slice(0, i).join("/")}`, { type: "directory" });
    this.files.set(`/${parts.join("/")}`, {
      type: "regular",
      data: typeof data === "string" ? byteStringToBytes(data) : data,
    });
  }

  private get(path: string): Node {
    const n = this.files.get(path);
    if (!n) throw new IOFailure("No such file or directory");
    return n;
  }

  pathExists(path: string): boolean {
    return this.files.has(path);
  }
  readFile(path: string): Uint8Array {
    const n = this.get(path);
    if (n.type === "symlink") return this.readFile(n.target);
    if (n.type !== "regular") throw new IOFailure("Is a directory");
    return n.data;
  }
  readDir(path: string): [string, FileType][] {
    if (this.get(path).type !== "directory") throw new IOFailure("Not a directory");
    const prefix = path === "/" ? "/" : `${path}/`;
    const out: [string, FileType][] = [];
    for (const [p, n] of this.files)
      if (p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes("/"))
        out.push([p.slice(prefix.length), n.type]);
    return out;
  }
  readFileType(path: string): FileType {
    return this.get(path).type;
  }
  readLink(path: string): string {
    const n = this.get(path);
    if (n.type !== "symlink") throw new IOFailure("Invalid argument");
    return n.target;
  }
  isExecutable(_path: string): boolean {
    return false;
  }
  realPath(path: string): string {
    return path;
  }
  getEnv(name: string): string | undefined {
    return this.env.get(name);
  }
  currentTime(): number {
    return this.time;
  }
  stderr(text: string): void {
    this.errors.push(text);
  }
}

/**
 * The evaluator's IO on Node: synchronous `node:fs` with byte-string paths (latin1 JS strings,
 * converted to Buffers so any file name works), the process environment and stderr.
 */
import * as fs from "node:fs";
import type { EvalIO, FileType } from "@tvix-ts/eval";
import { IOFailure } from "@tvix-ts/eval";

const b = (p: string) => Buffer.from(p, "latin1");

function fail(e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: "No such file or directory",
    ENOTDIR: "Not a directory",
    EISDIR: "Is a directory",
    EACCES: "Permission denied",
    ELOOP: "Too many levels of symbolic links",
    EINVAL: "Invalid argument",
  };
  throw new IOFailure(why[err.code ?? ""] ?? err.message);
}

function typeOf(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): FileType {
  if (st.isFile()) return "regular";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "unknown";
}

export class NodeEvalIO implements EvalIO {
  readonly writeStderr: (text: string) => void;
  constructor(writeStderr: (text: string) => void) {
    this.writeStderr = writeStderr;
  }
  pathExists(path: string): boolean {
    try {
      fs.lstatSync(b(path));
      return true;
    } catch {
      return false;
    }
  }
  readFile(path: string): Uint8Array {
    try {
      return fs.readFileSync(b(path));
    } catch (e) {
      return fail(e);
    }
  }
  readDir(path: string): [string, FileType][] {
    try {
      return fs
        .readdirSync(b(path), { withFileTypes: true, encoding: "buffer" })
        .map((d) => [(d.name as unknown as Buffer).toString("latin1"), typeOf(d)]);
    } catch (e) {
      return fail(e);
    }
  }
  readFileType(path: string): FileType {
    try {
      return typeOf(fs.lstatSync(b(path)));
    } catch (e) {
      return fail(e);
    }
  }
  readLink(path: string): string {
    try {
      return fs.readlinkSync(b(path), { encoding: "buffer" }).toString("latin1");
    } catch (e) {
      return fail(e);
    }
  }
  isExecutable(path: string): boolean {
    try {
      return (fs.statSync(b(path)).mode & 0o100) !== 0;
    } catch (e) {
      return fail(e);
    }
  }
  realPath(path: string): string {
    try {
      return fs.realpathSync(b(path), { encoding: "buffer" }).toString("latin1");
    } catch (e) {
      return fail(e);
    }
  }
  getEnv(name: string): string | undefined {
    const v = process.env[Buffer.from(name, "latin1").toString("utf8")];
    return v === undefined ? undefined : Buffer.from(v, "utf8").toString("latin1");
  }
  #time: number | undefined;
  currentTime(): number {
    this.#time ??= Math.floor(Date.now() / 1000);
    return this.#time;
  }
  stderr(text: string): void {
    this.writeStderr(text);
  }
}

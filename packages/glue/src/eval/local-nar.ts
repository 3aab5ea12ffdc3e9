/**
 * NAR sha256 of a local path read through the evaluator's IO, synchronously and without holding
 * the NAR in memory: nix-compat's NAR writer fills buffers that are hashed as they fill. The
 * optional filter (`builtins.path`, `filterSource`) is called for every entry below the root in
 * NAR order, as CppNix does; rejected entries are recorded so that the host can import exactly
 * the same tree later.
 */
import type { EvalIO } from "@tvix-ts/eval";
import {
  createHasher,
  type NarBufferSink,
  type NarNodeInput,
  writeNarToSink,
} from "@tvix-ts/nix-compat/core";

export type PathFilter = (path: string, type: string) => boolean;

const enc = (s: string) => Buffer.from(s, "latin1");

export class UnsupportedFileType extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`file '${path}' has an unsupported type`);
    this.path = path;
  }
}

/** sha256 of the NAR of `root`; entries the filter rejects are added to `excluded`. */
export function narSha256Local(
  io: EvalIO,
  root: string,
  filter: PathFilter | null,
  excluded: Set<string>,
): Uint8Array {
  const hash = createHasher("sha256");
  let failure: { e: unknown } | undefined;
  let done = false;
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      failure ??= { e };
      throw e;
    }
  };
  const node = (p: string): NarNodeInput =>
    guard(() => {
      const t = io.readFileType(p);
      if (t === "regular")
        return { type: "regular", executable: io.isExecutable(p), contents: io.readFile(p) };
      if (t === "symlink") return { type: "symlink", target: enc(io.readLink(p)) };
      if (t === "directory") {
        const entries = [];
        const names = io.readDir(p).map(([n]) => n);
        // NAR order, so that filter calls happen in CppNix's order.
        names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (const name of names) {
          const child = p === "/" ? `/${name}` : `${p}/${name}`;
          if (filter !== null && !filter(child, io.readFileType(child))) {
            excluded.add(child);
            continue;
          }
          entries.push({ name: enc(name), node: () => node(child) });
        }
        return { type: "directory", entries };
      }
      throw new UnsupportedFileType(p);
    });
  let buf = new Uint8Array(256 * 1024);
  const sink: NarBufferSink = {
    swap(filled, used, min) {
      if (filled !== undefined) hash.update(filled.subarray(0, used));
      if (buf.length < min) buf = new Uint8Array(min);
      return buf;
    },
    end(last, used) {
      hash.update(last.subarray(0, used));
      done = true;
    },
  };
  // The tree is synchronous, so the writer finishes (or fails) before this call returns.
  const p = writeNarToSink(node(root), sink);
  p.catch(() => {});
  if (failure !== undefined) throw failure.e;
  if (!done) throw new Error(`cannot serialise '${root}' as a NAR (invalid file name or link)`);
  return hash.digest();
}

/** A local file tree as (lazy, asynchronous) NAR writer input, with an optional filter. */
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import type { NarNodeInput } from "@tvix-ts/nix-compat";

const b = (p: string) => Buffer.from(p, "latin1");

export class UnsupportedFileError extends Error {
  constructor(path: string) {
    super(`file '${path}' has an unsupported type`);
    this.name = "UnsupportedFileError";
  }
}

/** `include(path)` decides for every entry below `path` (byte-string absolute paths). */
export function localTree(
  path: string,
  include: (path: string) => boolean = () => true,
): () => Promise<NarNodeInput> {
  return async () => {
    const st = await lstat(b(path));
    if (st.isFile())
      return {
        type: "regular",
        executable: (st.mode & 0o100) !== 0,
        contents: await readFile(b(path)),
      };
    if (st.isSymbolicLink())
      return { type: "symlink", target: await readlink(b(path), { encoding: "buffer" }) };
    if (st.isDirectory()) {
      const names = (await readdir(b(path), { encoding: "buffer" })).map((n) =>
        n.toString("latin1"),
      );
      return {
        type: "directory",
        entries: names
          .map((n) => (path === "/" ? `/${n}` : `${path}/${n}`))
          .filter(include)
          .map((c) => ({
            name: b(c.slice(c.lastIndexOf("/") + 1)),
            node: localTree(c, include),
          })),
      };
    }
    throw new UnsupportedFileError(path);
  };
}

/** `tvix store ls`, `cat` and `info`: reading what the store holds, without rendering NARs. */
import type { Command } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";
import { getPathInfo, serviceHelp, serviceOptions, withStore } from "./store-common.ts";

const lsHelp = `Usage: tvix store ls STOREPATH[/SUBPATH] [-l] [-R] [--json] [options]

Lists a store path (or a path inside it) as 'nix store ls' does: the entries of
a directory as ./NAME, or the file or symlink itself.

Options:
  -l, --long       mode, size and symlink target, like 'ls -l'
  -R, --recursive  list subdirectories too
  --json           the listing as JSON (like 'nix store ls --json')
  -h, --help       show this help

${serviceHelp}
Exit codes: 0 success, 1 not in the store or no such file, 2 usage error.
`;

const catHelp = `Usage: tvix store cat STOREPATH/FILE [options]

Writes the contents of a regular file inside a store path to standard output,
read straight from the blob store (no NAR is rendered).

Options:
  -h, --help   show this help

${serviceHelp}
Exit codes: 0 success, 1 not in the store, no such file or not a regular file,
2 usage error.
`;

const infoHelp = `Usage: tvix store info STOREPATH... [options]

Prints what the store knows about each store path in narinfo form (StorePath,
URL as nar-bridge serves it, NarHash, NarSize, References, Deriver, Sig, CA),
separated by empty lines.

Options:
  -h, --help   show this help

${serviceHelp}
Exit codes: 0 success, 1 a path is not in the store, 2 usage error.
`;

type Node = import("@tvix-ts/castore").Node;
type Directory = import("@tvix-ts/castore").Directory;

const dec = new TextDecoder();

function mode(node: Node): string {
  if (node.type === "directory") return "dr-xr-xr-x";
  if (node.type === "symlink") return "lrwxrwxrwx";
  return node.executable ? "-r-xr-xr-x" : "-r--r--r--";
}

function longLine(node: Node, shown: string): string {
  const size = node.type === "file" ? node.size : 0;
  const target = node.type === "symlink" ? ` -> ${dec.decode(node.target)}` : "";
  return `${mode(node)} ${String(size).padStart(20)} ${shown}${target}\n`;
}

type Json =
  | { type: "regular"; size: number; executable?: true }
  | { type: "symlink"; target: string }
  | { type: "directory"; entries?: Record<string, Json> };

export const storeLs: Command = {
  path: ["store", "ls"],
  summary: "list the contents of a store path",
  help: lsHelp,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...serviceOptions,
      long: { type: "boolean", short: "l" },
      recursive: { type: "boolean", short: "R" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) throw new UsageError("expected exactly one STOREPATH");
    await withStore(values, async (store) => {
      const { info, components, subpath } = await getPathInfo(store, positionals[0]!);
      const dirs = new Map<string, Directory>();
      const { digestKey } = await import("@tvix-ts/castore");
      const getDir = async (node: Node & { type: "directory" }) => {
        const k = digestKey(node.digest);
        let d = dirs.get(k);
        if (!d) {
          d = await store.directoryService.get(node.digest);
          if (!d) throw new UserError(`directory of '${positionals[0]}' is missing from the store`);
          dirs.set(k, d);
        }
        return d;
      };
      let node: Node = info.node;
      for (const c of components) {
        const child = node.type === "directory" ? (await getDir(node)).get(c) : undefined;
        if (!child) throw new UserError(`'${positionals[0]}' does not exist`);
        node = child;
      }
      const recursive = values.recursive === true;
      if (values.json) {
        const toJson = async (n: Node, depth: number): Promise<Json> => {
          if (n.type === "file") {
            return n.executable
              ? { type: "regular", size: n.size, executable: true }
              : { type: "regular", size: n.size };
          }
          if (n.type === "symlink") return { type: "symlink", target: dec.decode(n.target) };
          if (depth > 0 && !recursive) return { type: "directory" };
          const entries: Record<string, Json> = {};
          for (const e of (await getDir(n)).entries()) {
            entries[dec.decode(e.name)] = await toJson(e.node, depth + 1);
          }
          return { type: "directory", entries };
        };
        await writeAll(io.stdout, JSON.stringify(await toJson(node, 0)));
        return;
      }
      const show = (n: Node, shown: string) =>
        writeAll(io.stdout, values.long ? longLine(n, shown) : `${shown}\n`);
      if (node.type !== "directory") {
        const base =
          components.length > 0
            ? subpath.split("/").filter(Boolean).pop()!
            : info.storePath.baseName;
        await show(node, base);
        return;
      }
      const walk = async (dir: Node & { type: "directory" }, prefix: string): Promise<void> => {
        for (const e of (await getDir(dir)).entries()) {
          const shown = `${prefix}/${dec.decode(e.name)}`;
          await show(e.node, shown);
          if (recursive && e.node.type === "directory") await walk(e.node, shown);
        }
      };
      await walk(node, ".");
    });
    return 0;
  },
};

export const storeCat: Command = {
  path: ["store", "cat"],
  summary: "print a file inside a store path",
  help: catHelp,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, serviceOptions);
    if (positionals.length !== 1) throw new UsageError("expected exactly one STOREPATH/FILE");
    await withStore(values, async (store) => {
      const { info, components } = await getPathInfo(store, positionals[0]!);
      let node: Node = info.node;
      for (const c of components) {
        let child: Node | undefined;
        if (node.type === "directory")
          child = (await store.directoryService.get(node.digest))?.get(c);
        if (!child) throw new UserError(`'${positionals[0]}' does not exist`);
        node = child;
      }
      if (node.type !== "file") throw new UserError(`'${positionals[0]}' is not a regular file`);
      const reader = await store.blobService.openRead(node.digest);
      if (!reader)
        throw new UserError(`the contents of '${positionals[0]}' are missing from the store`);
      try {
        for await (const chunk of reader) await writeAll(io.stdout, chunk);
      } finally {
        await reader.close();
      }
    });
    return 0;
  },
};

export const storeInfo: Command = {
  path: ["store", "info"],
  summary: "show the narinfo of store paths",
  help: infoHelp,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, serviceOptions);
    if (positionals.length === 0) throw new UsageError("expected at least one STOREPATH");
    const [{ formatNarInfo }, { narUrl }] = await Promise.all([
      import("@tvix-ts/nix-compat"),
      import("@tvix-ts/store"),
    ]);
    await withStore(values, async (store) => {
      let first = true;
      for (const p of positionals) {
        const { info, components } = await getPathInfo(store, p);
        if (components.length > 0) throw new UserError(`'${p}' is not a store path`);
        if (!first) await writeAll(io.stdout, "\n");
        first = false;
        await writeAll(io.stdout, formatNarInfo(info.toNarInfo(narUrl(info.node, info.narSize))));
      }
    });
    return 0;
  },
};

import type { Command } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";

const help = `Usage: tvix derivation show FILE.drv...

Prints the derivations in these .drv files as JSON, exactly as Nix 2.8's
'nix show-derivation' does: an object from .drv path to
{outputs, inputSrcs, inputDrvs, system, builder, args, env}, pretty-printed,
sorted by path. Bytes that are not UTF-8 are written as they are, like Nix.

A file whose name is a store path base name (<hash>-<name>.drv) is keyed by
/nix/store/<that name>, wherever it is; any other file by its absolute path.

Options:
  -h, --help   show this help

Exit codes: 0 success, 1 unreadable or invalid file, 2 usage error.
`;

export const derivationShow: Command = {
  path: ["derivation", "show"],
  summary: "print .drv files as JSON (like nix show-derivation)",
  help,
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {});
    if (positionals.length === 0) throw new UsageError("no .drv files given");
    const [{ readFile }, { basename, resolve }, nc] = await Promise.all([
      import("node:fs/promises"),
      import("node:path"),
      import("@tvix-ts/nix-compat"),
    ]);
    const entries = new Map<string, import("@tvix-ts/nix-compat").Derivation>();
    for (const file of positionals) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why =
          err.code === "ENOENT"
            ? "no such file"
            : err.code === "EISDIR"
              ? "is a directory"
              : (err.message.split("\n")[0] ?? "");
        throw new UserError(`cannot read '${file}': ${why}`);
      }
      let drv: import("@tvix-ts/nix-compat").Derivation;
      try {
        drv = nc.parseDerivation(bytes);
      } catch (e) {
        if (e instanceof nc.NixCompatError) {
          throw new UserError(`'${file}' is not a valid derivation: ${e.message}`);
        }
        throw e;
      }
      const base = basename(file);
      const key = isStoreBaseName(nc, base) ? `${nc.STORE_DIR}/${base}` : resolve(file);
      entries.set(key, drv);
    }
    await writeAll(io.stdout, nc.showDerivationJson(entries));
    return 0;
  },
};

function isStoreBaseName(nc: typeof import("@tvix-ts/nix-compat"), base: string): boolean {
  try {
    nc.parseStorePathBaseName(base);
    return true;
  } catch {
    return false;
  }
}

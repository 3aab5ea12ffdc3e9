import type { Command } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError } from "../errors.ts";
import { mib, progressLine } from "../progress.ts";
import { serviceHelp, serviceOptions, withStore } from "./store-common.ts";

const help = `Usage: tvix store import PATH... [options]

Imports each PATH (a file, symlink or directory) into the store and prints the
store path it gets, one per line: the same path 'nix-store --add PATH' prints
(content-addressed by the sha256 of its NAR, named after PATH's basename).

Options:
  --no-progress  no progress line on a terminal (files and bytes stored so far)
  -h, --help     show this help

${serviceHelp}
Exit codes: 0 success, 1 a PATH is missing or cannot be imported, 2 usage error.
`;

export const storeImport: Command = {
  path: ["store", "import"],
  summary: "import paths into the store (like nix-store --add)",
  help,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...serviceOptions,
      "no-progress": { type: "boolean" },
    });
    if (positionals.length === 0) throw new UsageError("expected at least one PATH");
    const [{ importPath, pathToName }, { startSourceNar }] = await Promise.all([
      import("@tvix-ts/store"),
      import("../source-nar.ts"),
    ]);
    const line = progressLine(io, !values["no-progress"]);
    await withStore(values, async (store) => {
      for (const p of positionals) {
        const name = pathToName(p);
        let info: Awaited<ReturnType<typeof importPath>>;
        try {
          info = await importPath(store, p, {
            // A tree's NAR is hashed from the source files on another thread meanwhile.
            sourceNar: startSourceNar,
            onProgress: (s) =>
              s.phase === "ingest"
                ? line.show(`importing ${name}: ${s.files} files, ${mib(s.bytes)}`)
                : line.show(`hashing the NAR of ${name}`, true),
          });
        } finally {
          line.end();
        }
        await writeAll(io.stdout, `${info.storePath.toAbsolutePath()}\n`);
      }
    });
    return 0;
  },
};

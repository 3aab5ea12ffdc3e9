import type { Command, CommandIO } from "../command.ts";
import { writeAll } from "../command.ts";
import { UsageError } from "../errors.ts";
import { serviceHelp, withStore } from "./store-common.ts";

const help = `Usage: tvix instantiate [FILE | -E EXPR] [-A ATTRPATH]... [--arg NAME EXPR]...
                        [--argstr NAME STRING]... [-I PATH]... [store options]

Evaluates FILE (default ./default.nix) and writes the derivations it
produces (and every derivation, source and file evaluated on the way) into
the store, printing the .drv path of each selected derivation as
'nix-instantiate' does ('!OUTPUT' is appended for outputs other than 'out').

  -E, --expr EXPR  instantiate EXPR instead of a file
  -A, --attr PATH  select an attribute path (a.b.0.c)
  --arg NAME EXPR  pass NAME = EXPR when the value is a function with formals
  --argstr NAME S  pass NAME = "S"
  -I, --include P  add P (PATH or PREFIX=PATH) to the search path
  -h, --help       show this help

${serviceHelp}
Exit codes: 0 success, 1 evaluation or store error, 2 usage error.
`;

interface Parsed {
  file: string | null;
  expr: string | null;
  attrPaths: string[];
  args: { name: string; kind: "expr" | "str"; value: string }[];
  include: string[];
  services: Record<string, string>;
}

const SERVICE_FLAGS = [
  "blob-service-addr",
  "directory-service-addr",
  "path-info-service-addr",
  "store-composition",
];

function parse(argv: string[]): Parsed {
  const p: Parsed = { file: null, expr: null, attrPaths: [], args: [], include: [], services: {} };
  const files: string[] = [];
  let exprMode = false;
  const need = (i: number, n: number, flag: string) => {
    if (i + n >= argv.length)
      throw new UsageError(`flag '${flag}' requires ${n === 1 ? "an argument" : `${n} arguments`}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-E" || a === "--expr") exprMode = true;
    else if (a === "-A" || a === "--attr") {
      need(i, 1, a);
      p.attrPaths.push(argv[++i]);
    } else if (a === "--arg" || a === "--argstr") {
      need(i, 2, a);
      p.args.push({ name: argv[i + 1], kind: a === "--arg" ? "expr" : "str", value: argv[i + 2] });
      i += 2;
    } else if (a === "-I" || a === "--include") {
      need(i, 1, a);
      p.include.push(argv[++i]);
    } else if (a.startsWith("-I") && a.length > 2) p.include.push(a.slice(2));
    else if (a.startsWith("--") && SERVICE_FLAGS.includes(a.slice(2).split("=")[0])) {
      const eq = a.indexOf("=");
      if (eq >= 0) p.services[a.slice(2, eq)] = a.slice(eq + 1);
      else {
        need(i, 1, a);
        p.services[a.slice(2)] = argv[++i];
      }
    } else if (a === "--add-root" || a === "--indirect") {
      if (a === "--add-root") i++;
    } else if (a.startsWith("-") && a !== "-") throw new UsageError(`unrecognised flag '${a}'`);
    else files.push(a);
  }
  if (exprMode) {
    if (files.length !== 1) throw new UsageError("-E needs exactly one expression");
    p.expr = files[0];
  } else {
    if (files.length > 1) throw new UsageError("give at most one FILE");
    p.file = files[0] ?? null;
  }
  return p;
}

export const instantiateCommand: Command = {
  path: ["instantiate"],
  summary: "write the derivations of a Nix expression to the store and print their .drv paths",
  help,
  async run(argv: string[], io: CommandIO) {
    const p = parse(argv);
    const [{ runGlueWorker }, { readFileSync }] = await Promise.all([
      import("@tvix-ts/glue/host"),
      import("node:fs"),
    ]);
    const latin1 = (s: string) => Buffer.from(s, "utf8").toString("latin1");
    return withStore(p.services, async (store) => {
      const result = await runGlueWorker(
        new URL("../instantiate-worker.ts", import.meta.url),
        {
          mode: "instantiate",
          options: {
            file: p.file === null ? null : latin1(p.file),
            expr: p.expr,
            stdin: p.file === "-" ? readFileSync(0) : undefined,
            cwd: latin1(process.cwd()),
            home: process.env.HOME === undefined ? undefined : latin1(process.env.HOME),
            attrPaths: p.attrPaths,
            args: p.args,
            storeDir: process.env.NIX_STORE_DIR ?? "/nix/store",
          },
          include: p.include.map(latin1),
          nixPath: latin1(process.env.NIX_PATH ?? ""),
        },
        { services: store, onStderr: (d) => io.stderr.write(Buffer.from(d, "latin1")) },
      );
      if (result.stderr) io.stderr.write(Buffer.from(result.stderr, "latin1"));
      if (result.stdout) await writeAll(io.stdout, Buffer.from(result.stdout, "latin1"));
      return result.status;
    });
  },
};

import type { Command } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";
import { runEval } from "../eval-command.ts";

const help = `Usage: tvix eval [FILE | -E EXPR] [--strict] [--json | --raw | --xml] [-A ATTRPATH]...
                 [--arg NAME EXPR]... [--argstr NAME STRING]... [-I PATH]...
       tvix eval --parse [FILE... | -E EXPR]

Evaluates a Nix expression and prints its value exactly as
'nix-instantiate --eval' does.

  FILE             a .nix file or a directory (its default.nix); '-' reads
                   standard input; default ./default.nix
  -E, --expr EXPR  evaluate EXPR (relative paths resolve against the cwd)
  --strict         evaluate the result deeply (otherwise nested values that
                   were never needed print as <CODE>)
  --json           print the value as JSON
  --raw            print the value as a string, without quotes or newline
  --xml            print the value as XML (builtins.toXML)
  -A, --attr PATH  select an attribute path (a.b.0.c) of the value
  --arg NAME EXPR  pass NAME = EXPR when the value is a function with formals
  --argstr NAME S  pass NAME = "S"
  -I, --include P  add P (PATH or PREFIX=PATH) to the search path, before
                   $NIX_PATH
  --extra-experimental-features FEATURES
                   enable experimental features (parse-toml-timestamps);
                   also --experimental-features, --option NAME VALUE
  --trace-verbose  make builtins.traceVerbose print
  --abort-on-warn  fail at the first builtins.warn
  --max-call-depth N
                   nested function calls allowed (default 200000;
                   CppNix's is 10000)
  --parse          only parse, and print the expression the way
                   'nix-instantiate --parse' does
  -h, --help       show this help

Errors are printed on standard error with the source line, a caret and a
'… while …' trace. Exit codes: 0 success, 1 evaluation or parse error,
2 usage error.
`;

export const evalCommand: Command = {
  path: ["eval"],
  summary: "evaluate Nix expressions (as nix-instantiate --eval), or parse them (--parse)",
  help,
  async run(argv, io) {
    if (!argv.includes("--parse")) return runEval(argv, io);
    const { values, positionals } = parseCommandArgs(argv, {
      parse: { type: "boolean" },
      expr: { type: "string", short: "E" },
    });
    if (values.expr !== undefined && positionals.length > 0)
      throw new UsageError("give either FILE arguments or -E EXPR, not both");

    const [ev, fs, path] = await Promise.all([
      import("@tvix-ts/eval/parse"),
      import("node:fs"),
      import("node:path"),
    ]);
    const home = process.env.HOME;
    const inputs: { source: import("@tvix-ts/eval/parse").Source; basePath: string }[] = [];
    if (values.expr !== undefined) {
      inputs.push({
        source: ev.Source.fromText(values.expr, ev.ORIGIN_STRING),
        basePath: process.cwd(),
      });
    } else {
      const files = positionals.length > 0 ? positionals : ["./default.nix"];
      for (const file of files) {
        if (file === "-") {
          inputs.push({
            source: new ev.Source(fs.readFileSync(0), ev.ORIGIN_STDIN),
            basePath: process.cwd(),
          });
          continue;
        }
        const resolved = resolveExprPath(path.resolve(file), fs, path);
        let bytes: Uint8Array;
        try {
          bytes = fs.readFileSync(resolved);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          const why = err.code === "ENOENT" ? "No such file or directory" : err.message;
          throw new UserError(`getting status of '${resolved}': ${why}`);
        }
        inputs.push({ source: new ev.Source(bytes, resolved), basePath: path.dirname(resolved) });
      }
    }

    for (const { source, basePath } of inputs) {
      const result = ev.parse(source, { basePath, home });
      if (result.errors.length > 0) {
        io.stderr.write(Buffer.from(ev.renderErrors(source, result.errors), "latin1"));
        return 1;
      }
      // Output is bytes (string literals keep theirs).
      await writeAll(io.stdout, ev.printParseBytes(result.expr!));
      await writeAll(io.stdout, "\n");
    }
    return 0;
  },
};

/**
 * CppNix's resolveExprPath: follow symlinks (so relative paths in the file work), and read
 * `default.nix` from a directory.
 */
function resolveExprPath(
  file: string,
  fs: typeof import("node:fs"),
  path: typeof import("node:path"),
): string {
  let p = file;
  for (let follow = 0; ; follow++) {
    if (follow >= 1024)
      throw new UserError(`too many symbolic links encountered while traversing the path '${p}'`);
    let st: import("node:fs").Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return p; // reported when reading
    }
    if (st.isSymbolicLink()) {
      p = path.resolve(path.dirname(p), fs.readlinkSync(p));
      continue;
    }
    if (st.isDirectory()) return path.join(p, "default.nix");
    return p;
  }
}

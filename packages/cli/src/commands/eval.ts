import type { Command } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";

const help = `Usage: tvix eval --parse [FILE... | -E EXPR]

Parses Nix expressions and prints them the way 'nix-instantiate --parse'
does: fully parenthesised, operators shown as the builtins they call
('(__sub a b)'), bindings sorted, path literals made absolute. Nothing is
evaluated.

  FILE      a .nix file, or a directory (its default.nix is read); '-' reads
            standard input. Without FILE and -E, ./default.nix is parsed.
  -E EXPR   parse EXPR instead of files; relative paths in it are resolved
            against the current directory.

Parse errors (syntax, duplicate attributes or formals, undefined variables,
...) are reported on standard error with the file, line, column and source
line, as CppNix reports them.

Options:
  --parse        parse only (required for now)
  -E, --expr     the expression to parse
  -h, --help     show this help

Evaluation (--strict, --json, --raw, -A, --arg, --argstr, -I) comes with the
evaluator and is rejected for now.

Exit codes: 0 success, 1 parse error or unreadable file, 2 usage error.
`;

/** Flags of the future evaluator; rejected clearly instead of being half-supported. */
const EVAL_FLAGS = new Set([
  "--strict",
  "--json",
  "--raw",
  "--xml",
  "-A",
  "--attr",
  "--arg",
  "--argstr",
  "-I",
  "--include",
  "--eval",
]);

export const evalCommand: Command = {
  path: ["eval"],
  summary: "parse Nix expressions (--parse; evaluation comes later)",
  help,
  async run(argv, io) {
    const unsupported = argv.find((a) => EVAL_FLAGS.has(a) || a.startsWith("--arg="));
    if (unsupported)
      throw new UsageError(
        `'${unsupported}' needs the evaluator, which tvix-ts does not have yet; only 'tvix eval --parse' works`,
      );
    const { values, positionals } = parseCommandArgs(argv, {
      parse: { type: "boolean" },
      expr: { type: "string", short: "E" },
    });
    if (!values.parse)
      throw new UsageError("evaluation is not implemented yet; use 'tvix eval --parse'");
    if (values.expr !== undefined && positionals.length > 0)
      throw new UsageError("give either FILE arguments or -E EXPR, not both");

    const [ev, fs, path] = await Promise.all([
      import("@tvix-ts/eval"),
      import("node:fs"),
      import("node:path"),
    ]);
    const home = process.env.HOME;
    const inputs: { source: import("@tvix-ts/eval").Source; basePath: string }[] = [];
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
      // Output is a byte string (string literals keep their bytes).
      await writeAll(io.stdout, Buffer.from(`${ev.printParse(result.expr!)}\n`, "latin1"));
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

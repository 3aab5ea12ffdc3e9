/**
 * Comparing our parse with Nix 2.8's `nix-instantiate --parse` (the oracle).
 *
 * Many expressions are checked in one oracle run by wrapping them into one list,
 * `[ (e1) (e2) ... ]`, whose printed form is the printed elements in order. A batch that the
 * oracle rejects, or whose output differs, is split in halves (more runs) down to the single
 * expression responsible.
 *
 * We print in the `nix-2.8` dialect. Nix 2.8 prints `let` bindings and formals in its symbol-table
 * order (the allocation order of interned names), which cannot be predicted; the comparison lets
 * those lists come in any order by choosing, at each binding or formal, the one 2.8 printed next
 * (`pickNext`). A result is "identical" when no reordering was needed, "modulo-order" otherwise.
 */
import { spawn } from "node:child_process";
import {
  type Expr,
  N_LIST,
  parse,
  printIdentifier,
  printParse,
  renderErrors,
  Source,
} from "../../src/index.ts";

export interface OracleRun {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * `nix-instantiate --parse -` on `source` (bytes, given on stdin so that any byte can be passed)
 * with `cwd` as base directory; asynchronous, so that runs can overlap.
 */
export function nixParseAsync(source: Uint8Array, cwd: string): Promise<OracleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("nix-instantiate", ["--parse", "-"], { cwd });
    child.stdin.on("error", () => {}); // the oracle may exit before reading everything
    child.stdin.end(source);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        ok: code === 0,
        stdout: Buffer.concat(out).toString("latin1").replace(/\n$/, ""),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** Source of a list of the given expressions (each a byte array). */
export function wrapList(texts: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [Buffer.from("[\n")];
  for (const t of texts) parts.push(Buffer.from("(\n"), t, Buffer.from("\n)\n"));
  parts.push(Buffer.from("]\n"));
  return Buffer.concat(parts);
}

/**
 * Prints `expr` in the 2.8 dialect, ordering let bindings and formals as `theirs` has them.
 * Returns the text and whether any list had to be reordered.
 */
export function printMatching(expr: Expr, theirs: string): { text: string; reordered: boolean } {
  let reordered = false;
  const text = printParse(expr, {
    dialect: "nix-2.8",
    pickNext(remaining, printed) {
      // `theirs` is a byte string: its offsets are byte offsets. A formal's ", " separator is
      // printed after the formal is chosen.
      const at = theirs.startsWith(", ", printed) ? printed + 2 : printed;
      for (const n of remaining) {
        const id = printIdentifier(n, true);
        const ok =
          theirs.startsWith(`inherit ${id};`, at) ||
          theirs.startsWith(`${id} = `, at) ||
          (theirs.startsWith(id, at) &&
            /^(, | \?| })/.test(theirs.slice(at + id.length, at + id.length + 2)));
        if (ok) {
          if (n !== remaining[0]) reordered = true;
          return n;
        }
      }
      return remaining[0];
    },
  });
  return { text, reordered };
}

export interface CaseResult {
  index: number;
  status: "identical" | "modulo-order" | "different" | "oracle-rejects";
  ours?: string;
  source?: Uint8Array;
  theirs?: string;
  stderr?: string;
}

function ourList(source: Uint8Array, basePath: string, home: string | undefined): Expr {
  const r = parse(new Source(source, "«stdin»"), { basePath, home });
  if (!r.expr || r.expr.kind !== N_LIST)
    throw new Error(`we reject a batch we accepted piecewise: ${renderErrors(r.source, r.errors)}`);
  return r.expr;
}

/**
 * Compares the expressions `texts` (each accepted by our parser with the same options) with the
 * oracle, run with `basePath` as current directory.
 */
export async function compareWithOracle(
  texts: readonly Uint8Array[],
  basePath: string,
  home: string | undefined,
  offset = 0,
): Promise<CaseResult[]> {
  if (texts.length === 0) return [];
  const batch = wrapList(texts);
  const run = await nixParseAsync(batch, basePath);
  const split = async () => {
    const mid = texts.length >> 1;
    const [a, b] = await Promise.all([
      compareWithOracle(texts.slice(0, mid), basePath, home, offset),
      compareWithOracle(texts.slice(mid), basePath, home, offset + mid),
    ]);
    return a.concat(b);
  };
  if (!run.ok) {
    if (texts.length === 1)
      return [{ index: offset, status: "oracle-rejects", source: texts[0], stderr: run.stderr }];
    return split();
  }
  const list = ourList(batch, basePath, home);
  const { text, reordered } = printMatching(list, run.stdout);
  if (text === run.stdout)
    return texts.map((_, i) => ({
      index: offset + i,
      status: reordered ? "modulo-order" : "identical",
    }));
  if (texts.length > 1) return split();
  const mismatch = firstDifference(text, run.stdout);
  return [
    {
      index: offset,
      status: "different",
      source: texts[0],
      ours: text.slice(Math.max(0, mismatch - 100), mismatch + 100),
      theirs: run.stdout.slice(Math.max(0, mismatch - 100), mismatch + 100),
    },
  ];
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

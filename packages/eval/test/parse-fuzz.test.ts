/**
 * Robustness: random bytes, random token soup and mutated real files must give an AST or errors,
 * never an exception, a hang or a stack overflow; deep nesting hits the explicit depth limit;
 * inputs that make naive scanners quadratic stay fast.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { conformanceDir } from "../../../test-support/index.ts";
import { ERR_LIMIT, parse, printParse, renderErrors, Source } from "../src/index.ts";

/** Parses and checks the result's invariants; returns it. */
function check(bytes: Uint8Array, maxErrors = 20) {
  const source = new Source(bytes, "fuzz.nix");
  const r = parse(source, { basePath: "/fuzz", home: "/home/fuzz", maxErrors });
  assert.equal(r.expr === null, r.errors.length > 0);
  assert.ok(r.errors.length <= maxErrors);
  for (const e of r.errors) {
    assert.ok(
      e.start >= 0 && e.start <= e.end && e.end <= bytes.length,
      `bad span ${e.start}-${e.end}`,
    );
    assert.equal(typeof e.message, "string");
  }
  if (r.expr) printParse(r.expr);
  else renderErrors(source, r.errors);
  return r;
}

const TOKENS = [
  ..."(){}[];:.,@?=!-+*/<>\"'$#~\\ \n\t".split(""),
  "${",
  "''",
  "'''",
  "''$",
  "''\\n",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "->",
  "//",
  "++",
  "...",
  "/*",
  "*/",
  "if ",
  " then ",
  " else ",
  "let ",
  " in ",
  "rec ",
  "with ",
  "assert ",
  "inherit ",
  " or ",
  "x",
  "a.b",
  "1",
  "1.5",
  "1e6",
  "./a",
  "a/",
  "~/x",
  "<p>",
  "x:y",
  "__curPos",
  "\r\n",
  "\0",
  "\xff",
];

describe("fuzz: no input crashes the parser", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        check(b);
      }),
      { numRuns: 3000 },
    );
  });

  it("random token soup", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }), (toks) => {
        check(Buffer.from(toks.join(""), "latin1"));
      }),
      { numRuns: 3000 },
    );
  });

  it("mutated conformance files", {
    skip: conformanceDir("eval") ? false : "no shared data",
  }, () => {
    const dir = join(conformanceDir("eval")!, "nix_tests");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".nix"))
      .map((f) => readFileSync(join(dir, f)));
    const mutation = fc.record({
      file: fc.nat({ max: files.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          kind: fc.constantFrom("delete", "insert", "replace", "duplicate"),
          len: fc.integer({ min: 1, max: 8 }),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ file, edits }) => {
        let b = Array.from(files[file]);
        for (const e of edits) {
          const at = b.length ? e.at % (b.length + 1) : 0;
          if (e.kind === "delete") b.splice(at, e.len);
          else if (e.kind === "insert") b.splice(at, 0, e.byte);
          else if (e.kind === "replace") b[at] = e.byte;
          else b = b.slice(0, at).concat(b.slice(at, at + e.len * 8), b.slice(at));
        }
        check(Uint8Array.from(b));
      }),
      { numRuns: 1500 },
    );
  });
});

describe("fuzz: depth limit instead of stack overflow", () => {
  const nests: [string, string, string, string][] = [
    ["brackets", "[", "]", "1"],
    ["parentheses", "(", ")", "1"],
    ["sets", "{a=", ";}", "1"],
    ["lets", "let a = ", "; in a", "1"],
    ["interpolations", '"${', '}"', '"x"'],
    ["indented interpolations", "''${", "}''", "1"],
    ["lambdas", "x: ", "", "x"],
    ["negations", "-", "", "1"],
    ["nots", "!", "", "true"],
    ["right-associative ++", "[] ++ ", "", "[]"],
    ["if-else chains", "if true then 1 else ", "", "1"],
    ["or defaults", "{}.a or ", "", "1"],
    ["paths", "./a${", "}", "1"],
  ];
  for (const [name, open, close, mid] of nests) {
    it(`100,000 nested ${name}`, () => {
      const src = open.repeat(100000) + mid + close.repeat(100000);
      const r = check(Buffer.from(src));
      assert.equal(r.errors[0]?.kind, ERR_LIMIT, name);
    });
    it(`moderately deep ${name} parse`, () => {
      const src = open.repeat(300) + mid + close.repeat(300);
      const r = check(Buffer.from(src));
      assert.ok(r.errors.length === 0 || r.errors[0].kind !== ERR_LIMIT);
    });
  }

  it("100,000 unclosed brackets of mixed kinds", () => {
    const r = check(Buffer.from("[(".repeat(50000)));
    assert.equal(r.errors[0].kind, ERR_LIMIT);
  });

  it("long left-associative chains are not nesting: they parse and print", () => {
    for (const op of ["+", "-", "*", "/", "&&", "||"]) {
      const src = Array(100000).fill("x").join(` ${op} `);
      const r = parse(src, { globals: new Set(["x", "__sub", "__mul", "__div"]) });
      assert.equal(r.errors.length, 0, op);
      assert.ok(printParse(r.expr!).length > 100000);
    }
    const app = `f ${Array(100000).fill("x").join(" ")}`;
    assert.equal(parse(app, { globals: null }).errors.length, 0);
  });
});

describe("fuzz: inputs that would make naive scanners quadratic stay linear", () => {
  const n = 100000;
  const cases: [string, string][] = [
    ["attribute path", `x${".a".repeat(n)}`],
    ["float-like chain", "1.".repeat(n)],
    ["URI scheme", `${"a.".repeat(n)}:`],
    ["unclosed comments", `[ ${"/* ".repeat(n)} ]`],
    ["unclosed search paths", "<a".repeat(n)],
    ["dollars in a string", `"${"$".repeat(n)}"`],
    ["quotes in an indented string", `''${"'$".repeat(n)}''`],
  ];
  for (const [name, src] of cases) {
    it(name, () => {
      const t0 = performance.now();
      check(Buffer.from(src), 1000);
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `${name} took ${ms.toFixed(0)} ms`);
    });
  }
});

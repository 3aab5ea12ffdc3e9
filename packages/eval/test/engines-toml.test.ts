/**
 * TOML parser tests without the oracle: the fromTOML conformance files (their expected output
 * comes from CppNix), a table of documents whose expected values Nix 2.8 printed, a table of
 * invalid documents Nix 2.8 also rejects, the documented differences from Nix 2.8's toml11,
 * and the timestamp rendering of newer CppNix (`parse-toml-timestamps`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { conformanceDir, conformanceMissing } from "../../../test-support/index.ts";
import { parseToml, TomlError, type TomlValue } from "../src/builtins/engines/toml.ts";
import { parseNix, show } from "./helpers/engines-oracle.ts";
import { tomlToNix } from "./helpers/engines-toml-nix.ts";

const printed = (doc: string) => show(tomlToNix(parseToml(doc)));

/** The bytes of `s` in UTF-8, as a latin1 byte string (how Nix strings hold text). */
const utf8 = (s: string) => Buffer.from(s, "utf8").toString("latin1");

/** [document, value as Nix 2.8 printed it (normalised by `show`)]. */
const VALID: [string, string][] = [
  ["", "{  }"],
  ["\u00ef\u00bb\u00bfa = 1", '{ "a" = 1; }'],
  ["# \u00c3\u00a9\na=1", '{ "a" = 1; }'],
  ["#\ta\na=1 # x\n", '{ "a" = 1; }'],
  ['a = [1, "x"]', '{ "a" = [ 1 "x" ]; }'],
  ["a = 9223372036854775807", '{ "a" = 9223372036854775807; }'],
  ["a = -9223372036854775808", '{ "a" = -9223372036854775808; }'],
  ["a = nan", '{ "a" = nan; }'],
  ["a = -nan", '{ "a" = -nan; }'],
  ["a = +inf", '{ "a" = inf; }'],
  ["b = -inf", '{ "b" = -inf; }'],
  ["a = 0.1", '{ "a" = 0.1; }'],
  ["a = 1e-400", '{ "a" = 0; }'],
  ["a = 0x7FFFFFFFFFFFFFFF", '{ "a" = 9223372036854775807; }'],
  ["a = 0b1000", '{ "a" = 8; }'],
  ["a = 0o777", '{ "a" = 511; }'],
  ["a = 1\r\nb = 2\r\n", '{ "a" = 1; "b" = 2; }'],
  ['a = """\na\\\n   b"""', '{ "a" = "ab"; }'],
  ["a.b = 1\n[c]\nd = 2", '{ "a" = { "b" = 1; }; "c" = { "d" = 2; }; }'],
  ["[a]\nb.c=1\n[a.b.d]", '{ "a" = { "b" = { "c" = 1; "d" = {  }; }; }; }'],
  ["a = {b.c = 1, b.d = 2}", '{ "a" = { "b" = { "c" = 1; "d" = 2; }; }; }'],
  [
    "[[a]]\nb=1\n[a.c]\nd=1\n[[a]]\n[a.c]",
    '{ "a" = [ { "b" = 1; "c" = { "d" = 1; }; } { "c" = {  }; } ]; }',
  ],
  ["x = [1,2,]", '{ "x" = [ 1 2 ]; }'],
  ["x = [\n#c\n1 #c\n,#c\n2\n]", '{ "x" = [ 1 2 ]; }'],
  ['a = """a""""', '{ "a" = "a\\""; }'],
  ['a = """a"""""', '{ "a" = "a\\"\\""; }'],
  ["a = '''a''''", '{ "a" = "a\'"; }'],
  ["a = '''a'''''", '{ "a" = "a\'\'"; }'],
  ['a = "\\u00e9\\U0001F600"', '{ "a" = "\u00c3\u00a9\u00f0\u009f\u0098\u0080"; }'],
  ['a = """a\\ \n b"""', '{ "a" = "ab"; }'],
  ["[ a ]\nb=1", '{ "a" = { "b" = 1; }; }'],
  ["[[ a ]]", '{ "a" = [ {  } ]; }'],
  ["a = 1\n\n\n  \t b = 2", '{ "a" = 1; "b" = 2; }'],
  ['a = """\r\nx\r\ny"""', '{ "a" = "x\\r\\ny"; }'],
  ["a = 1e06", '{ "a" = 1e+06; }'],
  ["a = 1E6", '{ "a" = 1e+06; }'],
  ["a = -0.0", '{ "a" = -0; }'],
  ["a = 3.14_15", '{ "a" = 3.1415; }'],
  ["a = '''\nx'''", '{ "a" = "x"; }'],
  ["a = [ 1, 2 ] # x", '{ "a" = [ 1 2 ]; }'],
  ['"\\u00e9" = 1', '{ "\u00c3\u00a9" = 1; }'],
  ['["a"]\n"b\\n" = 1', '{ "a" = { "b\\n" = 1; }; }'],
  ['a = """\\\n\n  \\\n  x"""', '{ "a" = "x"; }'],
  ['a = """x\\\r\n  y"""', '{ "a" = "xy"; }'],
  ["a = '''x\\\n  y'''", '{ "a" = "x\\\\\\n  y"; }'],
  ["a = 1_000.0e1_0", '{ "a" = 1e+13; }'],
  ['"" = 1', '{ "" = 1; }'],
  ["'' = 1", '{ "" = 1; }'],
  ['a."b.c" = 1', '{ "a" = { "b.c" = 1; }; }'],
  ['"a"."b" = 1', '{ "a" = { "b" = 1; }; }'],
  ["[a.b.c]\nd=1\n[a]\ne=2", '{ "a" = { "b" = { "c" = { "d" = 1; }; }; "e" = 2; }; }'],
  ["a . b . c = 1", '{ "a" = { "b" = { "c" = 1; }; }; }'],
  ["1234 = 1\n-_- = 2\ntrue = 3", '{ "-_-" = 2; "1234" = 1; "true" = 3; }'],
  ['a = [[1, 2], ["a"], [], [{}]]', '{ "a" = [ [ 1 2 ] [ "a" ] [  ] [ {  } ] ]; }'],
  ["a = { }", '{ "a" = {  }; }'],
  ["a = {a={b={c=1}}}", '{ "a" = { "a" = { "b" = { "c" = 1; }; }; }; }'],
  ['a = """"""', '{ "a" = ""; }'],
  ["a = ''''''", '{ "a" = ""; }'],
  ['a = ""', '{ "a" = ""; }'],
  ["a = ''", '{ "a" = ""; }'],
  ["a = 1.7976931348623157e308", '{ "a" = 1.79769e+308; }'],
  ["a = 5e-324", '{ "a" = 4.94066e-324; }'],
  ["a = 0e0", '{ "a" = 0; }'],
  ["a = 0.0e-0", '{ "a" = 0; }'],
  ["a = +0", '{ "a" = 0; }'],
  ["a = -0", '{ "a" = 0; }'],
  ["a = 0b0", '{ "a" = 0; }'],
  ["a = 0x0", '{ "a" = 0; }'],
  ["a = 0o0", '{ "a" = 0; }'],
  ['a = "\\b\\t\\n\\f\\r\\"\\\\"', '{ "a" = "\\b\\t\\n\\f\\r\\"\\\\"; }'],
  ["a = 'C:\\Users\\x'", '{ "a" = "C:\\\\Users\\\\x"; }'],
  ['a = "\t"', '{ "a" = "\\t"; }'],
  [
    "[x]\n[x.y]\n[x.z]\n[w]\n[x.y.q]",
    '{ "w" = {  }; "x" = { "y" = { "q" = {  }; }; "z" = {  }; }; }',
  ],
  [
    "[[t]]\n[[t.u]]\nv=1\n[[t.u]]\n[[t]]\n[[t.u]]",
    '{ "t" = [ { "u" = [ { "v" = 1; } {  } ]; } { "u" = [ {  } ]; } ]; }',
  ],
  ["k = [ { a = 1 }, { a = 2 } ]", '{ "k" = [ { "a" = 1; } { "a" = 2; } ]; }'],
  ["a = [\"\"\"x\ny\"\"\", '''z''']", '{ "a" = [ "x\\ny" "z" ]; }'],
  ["a = true\nb = false", '{ "a" = true; "b" = false; }'],
];

describe("toml: documents Nix 2.8 accepts", () => {
  for (const [doc, want] of VALID) {
    it(JSON.stringify(doc), () => assert.equal(printed(doc), want));
  }
});

/** [document, line, column] of invalid documents; Nix 2.8 rejects every one of them too. */
const INVALID: [string, number, number][] = [
  ["a = 1\na = 2", 2, 1],
  ["a = {b = 1,}", 1, 12],
  ["a = 01", 1, 5],
  ["a = 1.", 1, 5],
  ["a = .1", 1, 5],
  ["a = 1e", 1, 5],
  ["a = 1_", 1, 5],
  ["a = 1__0", 1, 5],
  ["a = _1", 1, 5],
  ["a = 0_1", 1, 5],
  ["a = +0x1", 1, 5],
  ["a = 0X1", 1, 5],
  ["a = 0x", 1, 5],
  ["a = 0b2", 1, 5],
  ["a = 0o8", 1, 5],
  ['a = "\\xff"', 1, 6],
  ['a = "\\e"', 1, 6],
  ['a = "\u00ff"', 1, 6],
  ["# \u00ff\na=1", 1, 3],
  ["# \u0001\na=1", 1, 3],
  ['a = "\u007f"', 1, 6],
  ["a = '\u0001'", 1, 6],
  ["a = 1\rb=2", 1, 6],
  ["[a]\nb=1\n[a]\nc=2", 3, 1],
  ["[a.b]\n[a]\n[a]", 3, 1],
  ["a = {b = {c = 1}}\n[a.b.d]", 2, 1],
  ["[[a]]\n[a]", 2, 1],
  ["a = []\n[[a]]", 2, 1],
  ["a=[{}]\n[[a]]", 2, 1],
  ["a = 1 b = 2", 1, 7],
  ["a.b = 1\na.b.c = 2", 2, 1],
  ["[a.b]\nc=1\n[a]\nb.d = 2", 4, 1],
  ["a = {}\n[a]", 2, 1],
  ["a.b=1\na={c=1}", 2, 1],
  ["a = {b = 1, b = 2}", 1, 13],
  ["a = {b.c = 1, b = {}}", 1, 15],
  ["[a]\n[a.b]\n[a.b.c]\n[a.b]", 4, 1],
  ["x = [,]", 1, 6],
  ['a = """a""""""', 1, 9],
  ['a = "\\ud800"', 1, 6],
  ['a = "\\U00110000"', 1, 6],
  ['a = "a\\\n b"', 1, 7],
  ['a = """a\\  x"""', 1, 9],
  ["a = true b", 1, 10],
  ["a = truee", 1, 9],
  ["a = 1979-05-27T07:32:00Zx", 1, 25],
  ["[a\n]", 1, 3],
  ["[ [a]]", 1, 3],
  ["a = 2000-02-30", 1, 5],
  ["a = 07:32", 1, 5],
  ["a = 07:32:00.", 1, 13],
  ["\u00e9 = 1", 1, 1],
  ['a = "\u00ed\u00a0\u0080"', 1, 6],
  ['a = "\u00c0\u0080"', 1, 6],
  ['a = "\u00f4\u0090\u0080\u0080"', 1, 6],
  ["a = 1\n\u00ef\u00bb\u00bf", 2, 1],
  ["= 1", 1, 1],
  ["a =", 1, 4],
  ["a", 1, 2],
  ["[]", 1, 2],
  ["[a", 1, 3],
  ["[[a]", 1, 4],
  ["a = [1", 1, 7],
  ["a = {", 1, 6],
  ['a = "x', 1, 7],
  ["a = 'x", 1, 7],
  ['a = """x', 1, 9],
  ["a = '''x", 1, 9],
  ["a = 1979-05-27 07", 1, 16],
  ["a = 25:00:00", 1, 5],
  ["a = 1979-13-01", 1, 5],
  ["a = 1979-05-27T07:32:00+24:00", 1, 24],
  ["a = nan1", 1, 5],
  ["a = infinity", 1, 5],
  ["a = --1", 1, 5],
  ["a = 1e1.5", 1, 5],
  ["a = 1.e5", 1, 5],
  ["a = 3._14", 1, 5],
  ["a = 3_.14", 1, 5],
  ["a = -01.5", 1, 5],
  ["a = {a=1\n}", 1, 9],
  ["a = {\na=1}", 1, 6],
  ['"""a""" = 1', 1, 3],
  ["a = 'x\ny'", 1, 7],
  ["a\t= 1\n\u000b", 2, 1],
  ["a = [1 2]", 1, 8],
  ["a = [1,,2]", 1, 8],
  ["a = {,}", 1, 6],
  ["a = { a = 1 b = 2 }", 1, 13],
  ["[a]b=1", 1, 4],
  ["a = 1 # \u007f", 1, 9],
  ['a = "\t"\nb = "\u001f"', 2, 6],
];

describe("toml: invalid documents", () => {
  for (const [doc, line, column] of INVALID) {
    it(JSON.stringify(doc), () => {
      assert.throws(
        () => parseToml(doc),
        (e: unknown) => {
          assert.ok(e instanceof TomlError, String(e));
          assert.deepEqual([e.line, e.column], [line, column], e.message);
          return true;
        },
      );
    });
  }

  it("counts columns in characters, not bytes", () => {
    assert.throws(
      () => parseToml(utf8('a = "éé" x')),
      (e: unknown) => e instanceof TomlError && e.line === 1 && e.column === 10,
    );
  });

  it("rejects input that is not a byte string", () => {
    assert.throws(() => parseToml("a = '\u0100'"), TypeError);
  });
});

describe("toml: deliberate differences from Nix 2.8's toml11 3.7 (TOML 1.0 / toml11 4 behaviour)", () => {
  const rejected = (doc: string) =>
    assert.throws(() => parseToml(doc), TomlError, `${JSON.stringify(doc)} should be rejected`);
  it("rejects integers outside int64 (2.8 clamps them)", () => {
    rejected("a = 9223372036854775808");
    rejected("a = -9223372036854775809");
    rejected("a = 0x8000000000000000");
  });
  it("rejects floats that overflow (2.8 gives ±DBL_MAX)", () => rejected("a = 1e400"));
  it("rejects a header for a table dotted keys defined (2.8 accepts it)", () => {
    rejected("a.b=1\n[a]");
    rejected("[a]\nb.c=1\n[a.b]");
  });
  it("accepts a super-table header after an array of tables below it (2.8 rejects it)", () => {
    assert.equal(printed("[[a.b]]\n[a]\nc = 1"), '{ "a" = { "b" = [ {  } ]; "c" = 1; }; }');
  });
});

describe("toml: values", () => {
  const value = (doc: string): TomlValue => parseToml(doc).entries.get("a")!;

  it("keeps integers exact as bigint and NaN's sign", () => {
    assert.deepEqual(value("a = -9223372036854775808"), { kind: "integer", value: -(2n ** 63n) });
    assert.deepEqual(value("a = -nan"), { kind: "float", value: Number.NaN, negativeNan: true });
    assert.ok(Object.is((value("a = -0.0") as { value: number }).value, -0));
  });

  it("keeps the UTF-8 bytes of strings and keys (and NUL from \\u0000)", () => {
    const t = parseToml(utf8('"ké" = "\\u00e9\\U0001F600 é"\nn = "x\\u0000y"'));
    assert.deepEqual(t.entries.get(utf8("ké")), { kind: "string", value: utf8("é😀 é") });
    assert.deepEqual(t.entries.get("n"), { kind: "string", value: "x\0y" });
  });

  it("renders dates and times as toml11 prints them", () => {
    const cases: [string, string, string][] = [
      ["1979-05-27T07:32:00Z", "offset-datetime", "1979-05-27T07:32:00Z"],
      ["1979-05-27 07:32:00z", "offset-datetime", "1979-05-27T07:32:00Z"],
      ["1979-05-27t00:32:00.999999-07:00", "offset-datetime", "1979-05-27T00:32:00.999999-07:00"],
      ["1979-05-27T00:32:00+00:00", "offset-datetime", "1979-05-27T00:32:00Z"],
      ["1979-05-27T00:32:00-00:00", "offset-datetime", "1979-05-27T00:32:00Z"],
      ["1979-05-27T00:32:00+05:30", "offset-datetime", "1979-05-27T00:32:00+05:30"],
      ["1979-05-27T07:32:00", "local-datetime", "1979-05-27T07:32:00"],
      ["1979-05-27 07:32:00.5", "local-datetime", "1979-05-27T07:32:00.500"],
      ["1979-05-27", "local-date", "1979-05-27"],
      ["2000-02-29", "local-date", "2000-02-29"],
      ["07:32:00", "local-time", "07:32:00"],
      ["00:32:00.999999", "local-time", "00:32:00.999999"],
      ["00:32:00.000", "local-time", "00:32:00"],
      ["00:32:00.0001", "local-time", "00:32:00.000100"],
      ["00:32:00.1000001", "local-time", "00:32:00.100000100"],
      ["00:32:00.1234567891234", "local-time", "00:32:00.123456789"],
      ["23:59:60", "local-time", "23:59:60"],
    ];
    for (const [text, type, canonical] of cases) {
      assert.deepEqual(
        value(`a = ${text}`),
        { kind: "datetime", type, text, value: canonical },
        text,
      );
    }
  });

  it("handles deep nesting without overflowing the stack", () => {
    const deep = `a = ${"[".repeat(900)}${"]".repeat(900)}`;
    assert.equal(value(deep).kind, "array");
    assert.throws(() => parseToml(`a = ${"[".repeat(5000)}`), TomlError);
    const dotted = `${Array.from({ length: 20000 }, () => "k").join(".")} = 1`;
    assert.equal(parseToml(dotted).entries.get("k")!.kind, "table");
  });
});

/**
 * The body of each `builtins.fromTOML ''...''` in a conformance file: the indented string with
 * its common indentation removed and `'''` unescaped (these files use no other escapes).
 */
function fromTomlArguments(nix: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const start = nix.indexOf("builtins.fromTOML ''", at);
    if (start < 0) return out;
    let i = start + "builtins.fromTOML ''".length;
    let raw = "";
    for (;;) {
      if (nix.startsWith("'''", i)) {
        raw += "\0"; // placeholder for an escaped '' (kept out of the indentation logic)
        i += 3;
      } else if (nix.startsWith("''", i)) {
        break;
      } else {
        raw += nix[i++];
      }
    }
    at = i + 2;
    let lines = raw.split("\n");
    if (lines[0].trim() === "") lines = lines.slice(1);
    if (/^ *$/.test(lines[lines.length - 1])) lines[lines.length - 1] = "";
    const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
    const min = Math.min(...indents);
    out.push(
      lines
        .map((l) => l.slice(Math.min(min, /^ */.exec(l)![0].length)))
        .join("\n")
        .replaceAll("\0", "''"),
    );
  }
}

describe("toml: conformance files", () => {
  const dir = conformanceDir("eval");
  const skip = dir ? false : conformanceMissing("eval");
  const read = (f: string) => readFileSync(join(dir ?? "", f), "latin1");

  it("eval-okay-fromTOML", { skip }, () => {
    const docs = fromTomlArguments(read("nix_tests/eval-okay-fromTOML.nix"));
    assert.equal(docs.length, 4);
    const want = parseNix(read("nix_tests/eval-okay-fromTOML.exp").trim());
    assert.equal(`[ ${docs.map(printed).join(" ")} ]`, show(want));
  });

  it("eval-okay-fromTOML-timestamps (parse-toml-timestamps)", { skip }, () => {
    const [doc] = fromTomlArguments(
      read("nix_tests/notyetpassing/eval-okay-fromTOML-timestamps.nix"),
    );
    const want = parseNix(read("nix_tests/notyetpassing/eval-okay-fromTOML-timestamps.exp").trim());
    assert.equal(printed(doc), show(want));
  });

  it("eval-fail-fromTOML-timestamps: the document holds dates (an error without the feature)", {
    skip,
  }, () => {
    const [doc] = fromTomlArguments(
      read("nix_tests/notyetpassing/eval-fail-fromTOML-timestamps.nix"),
    );
    const t = parseToml(doc);
    assert.equal(t.entries.get("odt1")?.kind, "datetime");
  });
});

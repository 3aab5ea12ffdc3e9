// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Nix source text uses ${ ... }
/**
 * Parser and `--parse` printer unit tests. Expected outputs come from `nix-instantiate --parse`
 * (Nix 2.8), in current CppNix's dialect where the two differ (sorted let bindings and formals,
 * grouped inherits, `$` escaped only before `{`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Expr,
  N_ATTRS,
  N_BINARY,
  N_CALL,
  N_INT,
  N_LET,
  N_SELECT,
  N_STRING,
  OP_ADD,
  parse,
  printParse,
  renderErrors,
  Source,
} from "../src/index.ts";

const opts = { basePath: "/tmp", home: "/root" };

function p(src: string, dialect?: "nix-2.8"): string {
  const r = parse(src, opts);
  assert.equal(r.errors.length, 0, renderErrors(r.source, r.errors));
  return printParse(r.expr!, { dialect });
}

function errs(src: string, options = {}): string[] {
  const r = parse(Source.fromText(src, "«string»"), { ...opts, ...options });
  return r.errors.map((e) => {
    const pos = r.source.position(e.start);
    return `${Buffer.from(e.message, "latin1").toString("utf8")} @${pos.line}:${pos.column}`;
  });
}

describe("parse + print: operators and precedence", () => {
  const cases: [string, string][] = [
    ["x: x.a or 1", "(x: (x).a or (1))"],
    ["1 + 2 * 3 - 4 / 5", "(__sub (1 + (__mul 2 3)) (__div 4 5))"],
    ["a: a // a ++ a", "(a: (a // (a ++ a)))"],
    ["a: a == a", "(a: (a == a))"],
    ["a: a != a", "(a: (a != a))"],
    ["a: b: a < b", "(a: (b: (__lessThan a b)))"],
    ["a: b: a > b", "(a: (b: (__lessThan b a)))"],
    ["a: b: a <= b", "(a: (b: (! (__lessThan b a))))"],
    ["a: b: a >= b", "(a: (b: (! (__lessThan a b))))"],
    ["a: a && a || a -> a", "(a: (((a && a) || a) -> a))"],
    ["a: a -> a -> a", "(a: (a -> (a -> a)))"],
    ["a: a ? b.c", "(a: ((a) ? b.c))"],
    ["{} ? a ? b", "(((({ }) ? a)) ? b)"],
    ["x: x + x + x", "(x: ((x + x) + x))"],
    ["x: !x + x", "(x: (! (x + x)))"],
    ["x: !x == x", "(x: ((! x) == x))"],
    ["x: -x ? a", "(x: (((__sub 0 x)) ? a))"],
    ["x: !x ? a", "(x: (! ((x) ? a)))"],
    ["x: - - x", "(x: (__sub 0 (__sub 0 x)))"],
    ["x: x - -1", "(x: (__sub x (__sub 0 1)))"],
    ["f: x: f -1", "(f: (x: (__sub f 1)))"],
    ["x: x * -x", "(x: (__mul x (__sub 0 x)))"],
    ["a: b: a == b < b", "(a: (b: (a == (__lessThan b b))))"],
  ];
  for (const [src, want] of cases) it(src, () => assert.equal(p(src), want));
});

describe("parse + print: application and select", () => {
  const cases: [string, string][] = [
    ["a: a a a", "(a: (a a a))"],
    ["x: (x 1) 2", "(x: (x 1 2))"],
    ["(1 - 2) 3", "(__sub 1 2 3)"],
    ["<a> 1", '(__findFile __nixPath "a" 1)'],
    ["x: x.a.b or x.c or 1", "(x: (x).a.b or ((x).c or (1)))"],
    ["{ a = 1; }.a", "({ a = 1; }).a"],
    ["x: x.or", "(x: (x).or)"],
    ["let or = 1; f = x: x; in f or", "(let f = (x: x); or = 1; in (f or))"],
    ["let or = 1; f = x: x; in [ (f or) ]", "(let f = (x: x); or = 1; in [ ((f or)) ])"],
    ["with {}; (1 / 2) or", "(with { }; ((__div 1 2) or))"],
    ["with {}; (1 / 2) or 3", "(with { }; ((__div 1 2) or 3))"],
    ["a: a.${a}.b or 1", '(a: (a)."${a}".b or (1))'],
    ['a: a."${a}"', '(a: (a)."${(a)}")'],
    ['a: a.${"b"}', "(a: (a).b)"],
    ['a: a."b c".d', '(a: (a)."b c".d)'],
    ["[ 1 2 (3) ]", "[ (1) (2) (3) ]"],
    ["x: [ x.y or 2 ]", "(x: [ ((x).y or (2)) ])"],
    ["[]", "[ ]"],
  ];
  for (const [src, want] of cases) it(src, () => assert.equal(p(src), want));
});

describe("parse + print: literals", () => {
  const cases: [string, string][] = [
    ["1.5", "1.5"],
    ["1.0", "1"],
    [".5", "0.5"],
    ["1.5e3", "1500"],
    ["123456789.0", "1.23457e+08"],
    ["1.0e-5", "1e-05"],
    ["1.5e30", "1.5e+30"],
    ["0.000001", "1e-06"],
    ["100000.0", "100000"],
    ["1000000.0", "1e+06"],
    ["1.23456789", "1.23457"],
    ["1234565.0", "1.23456e+06"],
    ["007", "7"],
    ["9223372036854775807", "9223372036854775807"],
    ['"a$b$${c}"', '"a$b$\\${c}"'],
    ['"\\$"', '"$"'],
    ['"a\\x\\y"', '"axy"'],
    ['"${"a"}"', '("a")'],
    ['a: "x${a}y"', '(a: ("x" + a + "y"))'],
    ['a: "${a}"', "(a: (a))"],
    ['"a" "b"', '("a" "b")'],
    ["./a", "/tmp/a"],
    ["/a/./b/../c", "/a/c"],
    ["./a/../../../../b", "/b"],
    ["./.", "/tmp"],
    ["../.", "/"],
    ["a/b", "/tmp/a/b"],
    ["1.0/3", "/tmp/1.0/3"],
    ["~/x", "/root/x"],
    ["x: ./a${x}b", '(x: (/tmp/a + x + "b"))'],
    ['~/a${"x"}b', '(/root/a + "x" + "b")'],
    ['/a${"x"}/b/${"y"}', '(/a + "x" + "/b/" + "y")'],
    ["<nixpkgs>", '(__findFile __nixPath "nixpkgs")'],
    ["<a/b/../c>", '(__findFile __nixPath "a/b/../c")'],
    ["http://foo.com/x?y=1&z", '"http://foo.com/x?y=1&z"'],
    ["x:x", '"x:x"'],
    ["__curPos", "__curPos"],
  ];
  for (const [src, want] of cases) it(src, () => assert.equal(p(src), want));

  it("Nix 2.8 dialect escapes every $", () => {
    assert.equal(p('"a$b$${c}"', "nix-2.8"), '"a\\$b\\$\\${c}"');
  });

  it("string bytes are kept (non-UTF-8)", () => {
    const r = parse(new Source(Uint8Array.from([34, 0xff, 0x61, 0xc3, 34]), "f.nix"));
    assert.equal(r.errors.length, 0);
    assert.equal(printParse(r.expr!), '"\xffa\xc3"');
  });
});

describe("parse + print: indented strings", () => {
  const cases: [string, string][] = [
    ["''\n  a\n    b\n  c''", '"a\\n  b\\nc"'],
    ["''  a''", '"a"'],
    ["''\n\ttab\n  sp''", '"\\ttab\\n  sp"'],
    ["x: ''\n  a${x}\n  b\n''", '(x: ("a" + x + "\\nb\\n"))'],
    ["x: ''\n  ${x}\n''", '(x: ("" + x + "\\n"))'],
    ["''\n  a''\\n    b\n''", '("a" + "\\n" + "  b\\n")'],
    ["''\n  a$'\n  b''", '("a" + "$" + "\'\\nb")'],
    ["''\n    a\n  ''$b\n''", '("  a\\n" + "$" + "b\\n")'],
    ["''\n    a\n  '''b\n''", '("  a\\n" + "\'\'" + "b\\n")'],
    ["''''$''", '"$"'],
    ["'''''''", "\"''\""],
    ["''\n''", '""'],
    ["''''", '""'],
    ["''\n  a\n  ''", '"a\\n"'],
    ["''\r\n  a\r\n  b''", '"\\r\\n  a\\r\\n  b"'],
  ];
  for (const [src, want] of cases) it(JSON.stringify(src), () => assert.equal(p(src), want));
});

describe("parse + print: bindings", () => {
  const cases: [string, string][] = [
    ["rec { a = 1; b = a; }", "rec { a = 1; b = a; }"],
    [
      "{ zz = 1; b = 1; a = 2; aa = 3; B = 4; _ = 5; }",
      "{ B = 4; _ = 5; a = 2; aa = 3; b = 1; zz = 1; }",
    ],
    [
      "let zz = 1; b = 1; a = 2; in { ab = 1; inherit zz; aa = 1; inherit a; }",
      "(let a = 2; b = 1; zz = 1; in { inherit a zz; aa = 1; ab = 1; })",
    ],
    [
      "let b = 2; c = { }; in { inherit b; inherit (c) d e; a = 1; f = 3; }",
      "(let b = 2; c = { }; in { inherit b; inherit (c) d e; a = 1; f = 3; })",
    ],
    [
      "let c = {}; in { inherit (c) x; inherit (c) y; inherit (c.z) w; }",
      "(let c = { }; in { inherit (c) x; inherit (c) y; inherit ((c).z) w; })",
    ],
    ["{ a.b = 1; a.c = 2; }", "{ a = { b = 1; c = 2; }; }"],
    ["{ a.b = 2; a = { c = 1; }; }", "{ a = { b = 2; c = 1; }; }"],
    ["{ a = rec { b = 1; }; a.c = 2; }", "{ a = rec { b = 1; c = 2; }; }"],
    ["{ a.c = 2; a = rec { b = 1; }; }", "{ a = { b = 1; c = 2; }; }"],
    ["x: { a.${x} = 1; a.b = 2; }", '(x: { a = { b = 2; "${x}" = 1; }; })'],
    ["{ a = {}; a = {}; }", "{ a = { }; }"],
    ["let a = {}; a.b = 1; in a", "(let a = { b = 1; }; in a)"],
    [
      '{ "a b" = 1; "" = 2; "if" = 3; ${"x"} = 4; or = 5; }',
      '{ "" = 2; "a b" = 1; "if" = 3; or = 5; x = 4; }',
    ],
    [
      'a: { ${a} = 1; "${a}x" = 2; "${a}" = 3; }',
      '(a: { "${a}" = 1; "${(a + "x")}" = 2; "${(a)}" = 3; })',
    ],
    ["let { body = 1; }", "(rec { body = 1; }).body"],
    ["let { a = 1; body = a; }", "(rec { a = 1; body = a; }).body"],
    ['let ${"a"} = 1; in a', "(let a = 1; in a)"],
    ['let "a" = 1; in a', "(let a = 1; in a)"],
    ["let a.b = 1; in a", "(let a = { b = 1; }; in a)"],
    ["let in 1", "(let in 1)"],
    ['let a.${"x" + ""} = 1; in a', '(let a = { "${("x" + "")}" = 1; }; in a)'],
    ["{ inherit ({}) a; inherit ({}); }", "{ inherit ({ }) a; }"],
    ['{ inherit ({}) "a" ${"b"} or; }', "{ inherit ({ }) a b or; }"],
  ];
  for (const [src, want] of cases) it(src, () => assert.equal(p(src), want));

  it("Nix 2.8 dialect: inherit ( e ) as selects, 'inherit x ;'", () => {
    assert.equal(
      p("let b = 2; c = { }; in { inherit b; inherit (c) d e; a = 1; f = 3; }", "nix-2.8"),
      "(let b = 2; c = { }; in { a = 1; inherit b ; d = (c).d; e = (c).e; f = 3; })",
    );
  });
});

describe("parse + print: functions and keywords", () => {
  const cases: [string, string][] = [
    ["{ a, b ? 1, ... }: a", "({ a, b ? 1, ... }: a)"],
    ["{ b, a }: a", "({ a, b }: a)"],
    ["x @ { a, b ? 1, ... }: a", "({ a, b ? 1, ... } @ x: a)"],
    ["{ a, b ? 1, ... } @ x: a", "({ a, b ? 1, ... } @ x: a)"],
    ["{ }: 1", "({  }: 1)"],
    ["{ ... }: 1", "({ ... }: 1)"],
    ["x@{...}: 1", "({ ... } @ x: 1)"],
    ["{ a, }: a", "({ a }: a)"],
    ["{ a ? b, b ? a }: a", "({ a ? b, b ? a }: a)"],
    ["let a = 1; in a", "(let a = 1; in a)"],
    ["with {}; x", "(with { }; x)"],
    ["assert true; 1", "assert true; 1"],
    ["if true then 1 else 2", "(if true then 1 else 2)"],
    ["if true then 1 else x: x", "(if true then 1 else (x: x))"],
    ["!true", "(! true)"],
    ["let __sub = a: b: 42; in 5 - 3", "(let __sub = (a: (b: 42)); in (__sub 5 3))"],
  ];
  for (const [src, want] of cases) it(src, () => assert.equal(p(src), want));
});

describe("AST shape and spans", () => {
  it("spans are byte offsets", () => {
    const src = "let a = 1 + 2; in a";
    const r = parse(src);
    const let_ = r.expr as Extract<Expr, { kind: typeof N_LET }>;
    assert.equal(let_.kind, N_LET);
    assert.deepEqual([let_.start, let_.end], [0, src.length]);
    const def = let_.attrs.attrs.get("a")!;
    assert.equal(src.slice(def.start, def.end), "a");
    const v = def.value;
    assert.equal(v.kind, N_BINARY);
    if (v.kind === N_BINARY) {
      assert.equal(v.op, OP_ADD);
      assert.equal(src.slice(v.start, v.end), "1 + 2");
      assert.equal(v.left.kind, N_INT);
    }
    assert.equal(src.slice(let_.body.start, let_.body.end), "a");
  });

  it("non-ASCII bytes count as bytes", () => {
    const r = parse(Source.fromText('"é" + x', "t"), { globals: null });
    const b = r.expr!;
    assert.equal(b.kind, N_BINARY);
    if (b.kind === N_BINARY) {
      assert.equal(b.left.kind, N_STRING);
      assert.deepEqual([b.right.start, b.right.end], [7, 8]);
    }
  });

  it("calls are flattened; legacy let is a select of body", () => {
    const c = parse("x: (x 1) 2").expr!;
    assert.ok(c.kind === 13 && c.body.kind === N_CALL && c.body.args.length === 2);
    const l = parse("let { body = 1; }").expr!;
    assert.ok(l.kind === N_SELECT && l.expr.kind === N_ATTRS && l.expr.rec);
  });

  it("large integers are bigints", () => {
    const r = parse("9223372036854775807");
    assert.ok(r.expr!.kind === N_INT && r.expr!.value === 9223372036854775807n);
  });
});

describe("errors", () => {
  const cases: [string, string[]][] = [
    ["1e6", ["undefined variable 'e6' @1:2"]],
    ["x: y", ["undefined variable 'y' @1:4"]],
    ["{ a = 1; a = 2; }", ["attribute 'a' already defined at «string»:1:3 @1:10"]],
    ["{ a = 1; a.b = 2; }", ["attribute 'a.b' already defined at «string»:1:3 @1:10"]],
    ["x: { a = x; a.b = 2; }", ["attribute 'a.b' already defined at «string»:1:6 @1:13"]],
    ['{ "a b" = 1; "a b" = 2; }', ["attribute '\"a b\"' already defined at «string»:1:3 @1:14"]],
    [
      '{ "a b".c = 1; "a b".c = 2; }',
      ["attribute '\"a b\".c' already defined at «string»:1:3 @1:16"],
    ],
    ["{ a = 1; inherit ({}) a; }", ["attribute 'a' already defined at «string»:1:3 @1:23"]],
    ["{ inherit ({}) a; a.b = 1; }", ["attribute 'a.b' already defined at «string»:1:16 @1:19"]],
    [
      "{ a = { b = 1; }; a = { b = 2; }; }",
      ["attribute 'b' already defined at «string»:1:25 @1:9"],
    ],
    ["{x, y, x}: x", ["duplicate formal function argument 'x' @1:8"]],
    ["args@{args, x}: x", ["duplicate formal function argument 'args' @1:1"]],
    ["{args, x}@args: x", ["duplicate formal function argument 'args' @1:1"]],
    ['let ${"a" + ""} = 1; in 1', ["dynamic attributes not allowed in let @1:1"]],
    ['{ inherit "${"x"}"; }', ["dynamic attributes not allowed in inherit @1:11"]],
    ["x: { inherit ${x}; }", ["dynamic attributes not allowed in inherit @1:14"]],
    ["./a/", ["path has a trailing slash @1:1"]],
    [
      "./a/ ;",
      [
        "path has a trailing slash @1:5",
        "syntax error, unexpected ';', expecting end of file @1:6",
      ],
    ],
    ["a/b//c", ["syntax error, unexpected PATH_END, expecting DOLLAR_CURLY @1:7"]],
    ["9223372036854775808", ["invalid integer '9223372036854775808' @1:1"]],
    ["[ 1.0e400 ]", ["invalid float '1.0e400' @1:3"]],
    ["1 +", ["syntax error, unexpected end of file @1:4"]],
    ["(1", ["syntax error, unexpected end of file, expecting ')' @1:3"]],
    ["{ a = 1", ["syntax error, unexpected end of file, expecting ';' @1:8"]],
    ["if 1 then 2", ["syntax error, unexpected end of file, expecting ELSE @1:12"]],
    ["1 == 2 == 3", ["syntax error, unexpected EQ @1:8"]],
    ["a: b: a < b > a", ["syntax error, unexpected '>' @1:13"]],
    ["[ -1 ]", ["syntax error, unexpected '-' @1:3"]],
    ["1 )", ["syntax error, unexpected ')', expecting end of file @1:3"]],
    ['"abc', ["syntax error, unexpected end of file, expecting '\"' @1:5"]],
    [
      "''abc",
      [
        "syntax error, unexpected end of file, expecting IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE @1:6",
      ],
    ],
    ["{ a }", ["syntax error, unexpected end of file, expecting ':' or '@' @1:6"]],
    [
      "a: a.",
      ["syntax error, unexpected end of file, expecting ID or OR_KW or DOLLAR_CURLY or '\"' @1:6"],
    ],
    ["x @ y: 1", ["syntax error, unexpected ID, expecting '{' @1:5"]],
    ["{ a, ..., b }: 1", ["syntax error, unexpected ',', expecting '}' @1:9"]],
    ["~", ["syntax error, unexpected invalid token @1:1"]],
    ["x: x or", ["undefined variable 'or' @1:4"]],
    ["let or = 1; in or", ["syntax error, unexpected OR_KW @1:16"]],
    ["let a = 1; in in", ["syntax error, unexpected IN_KW @1:15"]],
    ["~/x", []],
  ];
  for (const [src, want] of cases) it(src, () => assert.deepEqual(errs(src), want));

  it("~/ paths need a home directory, and are refused in pure mode", () => {
    assert.match(errs("~/x", { home: undefined })[0], /can not be resolved/);
    assert.deepEqual(errs("~/x", { pureEval: true }), [
      "the path '~/x' can not be resolved in pure mode @1:1",
    ]);
  });

  it("undefined variables: lexical scope, globals, with, rec, inherit", () => {
    assert.deepEqual(errs("with {}; x"), []);
    assert.deepEqual(errs("let a = b; b = 1; in a"), []);
    assert.deepEqual(errs("rec { a = b; b = 1; }"), []);
    assert.deepEqual(errs("{ a = b; b = 1; }"), ["undefined variable 'b' @1:7"]);
    assert.deepEqual(errs("rec { inherit a; }"), ["undefined variable 'a' @1:15"]);
    assert.deepEqual(errs("let inherit a; in a"), ["undefined variable 'a' @1:13"]);
    assert.deepEqual(errs("a: let inherit a; in a"), []);
    assert.deepEqual(errs("{ a ? b, b ? a }: a"), []);
    assert.deepEqual(errs("rec { inherit (x) a; x = {}; }"), []);
    assert.deepEqual(errs("{ inherit (x) a; x = {}; }"), ["undefined variable 'x' @1:12"]);
    assert.deepEqual(errs("[ builtins true false null map __add __curPos ]"), []);
    assert.deepEqual(errs("x: y: x > y > z"), ["syntax error, unexpected '>' @1:13"]);
    // Reported in the order CppNix binds variables: a > b is __lessThan b a.
    assert.deepEqual(errs("a > b"), ["undefined variable 'b' @1:5", "undefined variable 'a' @1:1"]);
    assert.deepEqual(parse("x", { globals: new Set(["x"]) }).errors, []);
    assert.deepEqual(parse("y", { globals: null }).errors, []);
    assert.deepEqual(
      parse("1 - 2", { globals: new Set() }).errors.map((e) => e.message),
      ["undefined variable '__sub'"],
    );
  });

  it("reports several errors after recovering", () => {
    assert.deepEqual(errs("{ a = 1 +; b = ; c = 3; }"), [
      "syntax error, unexpected ';' @1:10",
      "syntax error, unexpected ';' @1:16",
    ]);
    assert.deepEqual(errs('[ 1 (2 +) 3 ] ++ "${1 +}"'), [
      "syntax error, unexpected ')' @1:9",
      "syntax error, unexpected '}' @1:24",
    ]);
    assert.deepEqual(errs("{ a = {x, y : 1}; b = 2; c = ; }"), [
      "syntax error, unexpected ':', expecting '}' or ',' @1:13",
      "syntax error, unexpected ';' @1:30",
    ]);
    assert.deepEqual(errs("{ a = 1; a = 2; b = 1; b = 2; }"), [
      "attribute 'a' already defined at «string»:1:3 @1:10",
      "attribute 'b' already defined at «string»:1:17 @1:24",
    ]);
    const many = errs(`{ ${Array.from({ length: 50 }, (_, i) => `x${i} = ;`).join(" ")} }`);
    assert.equal(many.length, 20);
    assert.equal(errs("{ a = ; b = ; c = ; }", { maxErrors: 2 }).length, 2);
  });

  it("renders like CppNix", () => {
    const r = parse(
      new Source(Buffer.from("let\n  a = 1;\n  b = c;\n  d = 2;\nin a\n"), "/tmp/t1.nix"),
    );
    assert.equal(
      renderErrors(r.source, r.errors),
      [
        "error: undefined variable 'c'",
        "       at /tmp/t1.nix:3:7:",
        "            2|   a = 1;",
        "            3|   b = c;",
        "             |       ^",
        "            4|   d = 2;",
        "",
      ].join("\n"),
    );
  });
});

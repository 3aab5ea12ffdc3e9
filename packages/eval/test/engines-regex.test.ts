/**
 * Regex engine tests that need no oracle: a table of (pattern, subject) cases whose expected
 * `builtins.match` and `builtins.split` results were produced by Nix 2.8 (nix-instantiate),
 * the invalid patterns Nix rejects, the exact NFA-size limit, the naive reference executor as
 * a cross-check, and pathological patterns that must stay fast.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clearRegexCache,
  compile,
  matchWhole,
  RegexError,
  searchAll,
  splitString,
} from "../src/builtins/engines/regex.ts";
import { rng } from "./helpers/engines-oracle.ts";
import { randomPattern } from "./helpers/engines-regex-gen.ts";
import { naiveMatch, naiveSearchAll } from "./helpers/engines-regex-naive.ts";

type Groups = (string | null)[];
type Split = (string | Groups)[];

/** [pattern, subject, match result, split result], as printed by Nix 2.8. */
const ORACLE_TABLE: [string, string, Groups | null, Split][] = [
  ["foobar", "foobar", [], ["", [], ""]],
  ["fo*", "f", [], ["", [], ""]],
  ["fo+", "f", null, ["f"]],
  ["fo{1,2}", "foo", [], ["", [], ""]],
  ["fo{1,2}", "fooo", null, ["", [], "o"]],
  ["fo*", "foobar", null, ["", [], "bar"]],
  ["[[:space:]]+([^[:space:]]+)[[:space:]]+", "  foo   ", ["foo"], ["", ["foo"], ""]],
  ["(.*)\\.nix", "foobar.nix", ["foobar"], ["", ["foobar"], ""]],
  ["[[:space:]]+([[:upper:]]+)[[:space:]]+", "  FOO   ", ["FOO"], ["", ["FOO"], ""]],
  [
    "((.*)/)?([^/]*)\\.(nix|cc)",
    "/path/to/foobar.nix",
    ["/path/to/", "/path/to", "foobar", "nix"],
    ["", ["/path/to/", "/path/to", "foobar", "nix"], ""],
  ],
  [
    "((.*)/)?([^/]*)\\.(nix|cc)",
    "foobar.cc",
    [null, null, "foobar", "cc"],
    ["", [null, null, "foobar", "cc"], ""],
  ],
  ["(a*)*", "", [""], ["", [""], ""]],
  ["(a*)*", "b", null, ["", [""], "b", [""], ""]],
  ["(a*)+", "aa", [""], ["", [""], "", [""], ""]],
  ["(a|b)*c", "abc", ["b"], ["", ["b"], ""]],
  ["((a)|b)+", "ab", ["b", "a"], ["", ["b", "a"], ""]],
  ["(a)|b", "xaybz", null, ["x", ["a"], "y", [null], "z"]],
  ["", "ab", null, ["", [], "a", [], "b", [], ""]],
  ["x*", "axb", null, ["", [], "a", [], "", [], "b", [], ""]],
  ["^a", "aaa", null, ["", [], "aa"]],
  ["a*", "baaac", null, ["", [], "b", [], "", [], "c", [], ""]],
  ["(a?)*", "a", [""], ["", [""], "", [""], ""]],
  ["(a?){2}", "a", [""], ["", [""], "", [""], ""]],
  ["(a){2,3}", "aaa", ["a"], ["", ["a"], ""]],
  ["(a|ab)(c|bcd)(d*)", "abcd", ["a", "bcd", ""], ["", ["a", "bcd", ""], ""]],
  ["a?(ab)?", "ab", ["ab"], ["", [null], "", [null], "b", [null], ""]],
  ["[]a]", "]", [], ["", [], ""]],
  ["[^]a]", "b", [], ["", [], ""]],
  ["[a-]", "-", [], ["", [], ""]],
  ["[-a]", "-", [], ["", [], ""]],
  ["[--0]", ".", [], ["", [], ""]],
  ["[a\\]", "\\", [], ["", [], ""]],
  ["[[:ALPHA:]]", "a", [], ["", [], ""]],
  ["[[:w:]]+", "a_1", [], ["", [], ""]],
  ["[[:d:]]", "5", [], ["", [], ""]],
  ["[[:s:]]", " ", [], ["", [], ""]],
  ["[[.space.]]", " ", [], ["", [], ""]],
  ["[[.a.]-c]", "b", [], ["", [], ""]],
  ["[]-a]", "b", null, ["b"]],
  ["[\u00e9-a]", "b", null, ["b"]],
  ["[\u00e9-a]", "a", [], ["", [], ""]],
  ["[[=A=]]", "a", [], ["", [], ""]],
  ["[[=a=]]", "A", [], ["", [], ""]],
  ["a}", "a}", [], ["", [], ""]],
  ["a]", "a]", [], ["", [], ""]],
  ["()", "", [""], ["", [""], ""]],
  ["a||b", "", [], ["", [], ""]],
  ["|", "", [], ["", [], ""]],
  ["(|a)", "", [""], ["", [""], ""]],
  ["a^b", "ab", null, ["ab"]],
  ["a$b", "ab", null, ["ab"]],
  ["(^a|b)*", "ab", ["b"], ["", ["b"], "", [null], ""]],
  ["x*?", "x", [], ["", [], "", [], ""]],
  ["x+?", "xx", [], ["", [], "", [], ""]],
  ["a**", "aa", [], ["", [], "", [], ""]],
  ["a{0}", "", [], ["", [], ""]],
  ["a{0,0}b", "b", [], ["", [], ""]],
  ["(a{0})", "", [""], ["", [""], ""]],
  ["a{4294967297}", "a", [], ["", [], ""]],
  ["[[:alpha:]]*", "\u00e9", null, ["", [], "\u00e9", [], ""]],
  [".", "\u00c3", [], ["", [], ""]],
  ["[^a]", "\u00c3", [], ["", [], ""]],
  ["\\.\\[\\\\\\(\\)\\*\\+\\?\\{\\|\\^\\$", ".[\\()*+?{|^$", [], ["", [], ""]],
  ["(a|b|c)*(b|c)", "abcb", ["c", "b"], ["", ["c", "b"], ""]],
  ["(a+|b+)*", "aabba", ["a"], ["", ["a"], "", [null], ""]],
  ["(ab|a)(bc|c)?", "abc", ["ab", "c"], ["", ["ab", "c"], ""]],
  ["(a*)(a*)", "aaa", ["aaa", ""], ["", ["aaa", ""], "", ["", ""], ""]],
  ["(a*)(a|b)*", "aab", ["aa", "b"], ["", ["aa", "b"], "", ["", null], ""]],
  ["((a)|(b))*", "ab", ["b", "a", "b"], ["", ["b", "a", "b"], "", [null, null, null], ""]],
  ["(^|/)x", "a/x", null, ["a", ["/"], ""]],
  ["x($|/)", "x/", ["/"], ["", ["/"], ""]],
  ["^$", "", [], ["", [], ""]],
  ["$^", "", [], ["", [], ""]],
  ["(a|)+", "aa", [""], ["", [""], "", [""], ""]],
  ["(|a)+", "aa", [""], ["", [""], "", [""], ""]],
  ["(a*|b)*", "ab", [""], ["", [""], "", [""], ""]],
  ["(a|b)*?", "ab", ["b"], ["", ["b"], "", [null], ""]],
  ["[a-c]+", "abcd", null, ["", [], "d"]],
  ["[^a-c]+", "dde", [], ["", [], ""]],
  ["(.)(.)(.)", "abc", ["a", "b", "c"], ["", ["a", "b", "c"], ""]],
  [".*", "a\nb", [], ["", [], "", [], ""]],
  ["[[:alpha:][:digit:]]+", "a1b2", [], ["", [], ""]],
  ["[[:upper:][:lower:]]+", "aB", [], ["", [], ""]],
  ["[[:punct:]]+", "!?.,", [], ["", [], ""]],
  ["[[:xdigit:]]+", "09afAF", [], ["", [], ""]],
  ["[[:cntrl:]]", "\t", [], ["", [], ""]],
  ["[[:print:]]+", " ~", [], ["", [], ""]],
  ["[[:graph:]]", " ", null, [" "]],
  ["[[:blank:]]+", " \t", [], ["", [], ""]],
  ["a|b|c", "c", [], ["", [], ""]],
  ["(a)|(b)|(c)", "b", [null, "b", null], ["", [null, "b", null], ""]],
  ["(a)(b)?", "a", ["a", null], ["", ["a", null], ""]],
  ["([0-9]+)\\.([0-9]+)", "10.25", ["10", "25"], ["", ["10", "25"], ""]],
  ["(.*)-([0-9].*)", "foo-bar-1.2", ["foo-bar", "1.2"], ["", ["foo-bar", "1.2"], ""]],
  ["[0-9]+", "ab12cd345", null, ["ab", [], "cd", [], ""]],
  ["a|", "xa", null, ["", [], "x", [], "", [], ""]],
  ["(a)|", "xa", null, ["", [null], "x", ["a"], "", [null], ""]],
  ["b*", "abbbc", null, ["", [], "a", [], "", [], "c", [], ""]],
  ["(b*)", "abbbc", null, ["", [""], "a", ["bbb"], "", [""], "c", [""], ""]],
  ["(x|y)*z", "xyxz", ["x"], ["", ["x"], ""]],
  ["a{2,}", "aaaa", [], ["", [], ""]],
  ["(ab){1,2}", "abab", ["ab"], ["", ["ab"], ""]],
];

describe("regex: oracle-confirmed table", () => {
  for (const [p, s, m, sp] of ORACLE_TABLE) {
    it(`match/split ${JSON.stringify(p)} on ${JSON.stringify(s)}`, () => {
      const re = compile(p);
      assert.deepEqual(matchWhole(re, s), m);
      assert.deepEqual(splitString(re, s), sp);
    });
  }
});

/** Patterns Nix 2.8 rejects, with the kind of error (all checked with nix-instantiate). */
const INVALID: [string, "invalid" | "space"][] = [
  ["(", "invalid"],
  ["a{99994}", "space"],
  ["\\d", "invalid"], // escaping an ordinary character is an error (__STRICT_ANSI__)
  ["\\1", "invalid"], // no back-references in extended mode
  ["\\]", "invalid"],
  ["\\", "invalid"],
  ["[a-c-e]", "invalid"],
  ["*a", "invalid"],
  ["a|*", "invalid"],
  ["(*)", "invalid"],
  ["+", "invalid"],
  ["?", "invalid"],
  ["{1}", "invalid"],
  ["a)", "invalid"],
  ["[]", "invalid"],
  ["[a", "invalid"],
  ["^*", "invalid"],
  ["$*", "invalid"],
  ["a{2,1}", "invalid"],
  ["a{,3}", "invalid"],
  ["a{1", "invalid"],
  ["a{1,2", "invalid"],
  ["a{x}", "invalid"],
  ["a{", "invalid"],
  ["a{-1}", "invalid"],
  ["a{1,2,3}", "invalid"],
  ["[[:foo:]]", "invalid"],
  ["[[:alpha:]", "invalid"],
  ["[[:alpha:", "invalid"],
  ["[[.-.]]", "invalid"],
  ["[[.a]", "invalid"],
  ["[[=foo=]]", "invalid"],
  ["[[:alpha:]-c]", "invalid"],
  ["[z-a]", "invalid"],
];

/** Valid oddities (also checked): quantifiers stack, `{n}` counts wrap like a C int. */
const VALID_ODD: [string, string, Groups | null][] = [
  ["a{1}{2}", "a", null],
  ["()*", "a", null],
  ["(|)*", "a", null],
  ["a{1}?", "a", []],
  ["[a-]]", "a", null],
  ["a{2147483648}", "a", null],
  ["a{0,4294967296}", "a", null],
  ["a{4294967297}", "a", []],
];

describe("regex: errors", () => {
  for (const [p, kind] of INVALID) {
    it(`${JSON.stringify(p)} is ${kind}`, () => {
      assert.throws(
        () => compile(p),
        (e: unknown) => {
          assert.ok(e instanceof RegexError);
          assert.equal(e.kind, kind);
          assert.equal(
            e.message,
            kind === "space"
              ? `memory limit exceeded by regular expression '${p}'`
              : `invalid regular expression '${p}'`,
          );
          return true;
        },
      );
    });
  }
  for (const [p, s, m] of VALID_ODD) {
    it(`${JSON.stringify(p)} is valid`, () => assert.deepEqual(matchWhole(compile(p), s), m));
  }

  it("has exactly libstdc++'s 100000-state limit (boundaries found by bisecting Nix)", () => {
    const boundaries: [string, number][] = [
      ["a{K}", 99993],
      ["(a|b){K}", 12498],
      ["(a*){K}", 19997],
      ["[ab]{2,K}", 49997],
      ["(ab?){1,K}", 12498],
      ["((a|b)c|(d|)){2,K}", 4346],
      ["(a){K,}", 24996],
      ["((a|b)*|c+){K}", 5881],
      ["(((a)|b)|(c|d))?{K}", 3702],
    ];
    for (const [shape, last] of boundaries) {
      compile(shape.replace("K", String(last)));
      assert.throws(
        () => compile(shape.replace("K", String(last + 1))),
        (e: unknown) => e instanceof RegexError && e.kind === "space",
        shape,
      );
    }
  });
});

describe("regex: bytes", () => {
  it("treats bytes >= 0x80 as single characters in no class", () => {
    const e9 = "\u00c3\u00a9"; // "é" in UTF-8
    assert.deepEqual(matchWhole(compile("(.)(.)"), e9), ["\u00c3", "\u00a9"]);
    assert.equal(matchWhole(compile("[[:alpha:]]+"), e9), null);
    assert.deepEqual(matchWhole(compile("[^a]+"), e9), []);
    // A range compares signed chars: 0xa9..'a' covers 0xa9..0xff and 0x00..0x61.
    assert.deepEqual(matchWhole(compile("[\u00a9-a]+"), "\u00ff\u00a9a\u0001"), []);
    assert.equal(matchWhole(compile("[\u00a9-a]"), "b"), null);
    assert.deepEqual(splitString(compile("\u00a9"), e9), ["\u00c3", [], ""]);
  });

  it("rejects strings that are not byte strings", () => {
    assert.throws(() => compile("\u0100"), TypeError);
    assert.throws(() => matchWhole(compile("a"), "\u0100"), TypeError);
  });
});

describe("regex: API", () => {
  it("caches compiled patterns", () => {
    clearRegexCache();
    const a = compile("(x)+");
    assert.equal(compile("(x)+"), a);
    assert.equal(a.groups, 1);
  });

  it("searchAll reports offsets", () => {
    assert.deepEqual(searchAll(compile("(a)|b"), "xaybz"), [
      { start: 1, end: 2, groups: ["a"] },
      { start: 3, end: 4, groups: [null] },
    ]);
    assert.deepEqual(
      searchAll(compile("x*"), "ab").map((m) => [m.start, m.end]),
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    );
  });
});

describe("regex: agrees with the naive libstdc++-style backtracker", () => {
  it("on 3000 random patterns and subjects", () => {
    const r = rng(4242);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const p = randomPattern(r, 3);
      let re: ReturnType<typeof compile>;
      try {
        re = compile(p);
      } catch (e) {
        if (e instanceof RegexError) continue;
        throw e;
      }
      let s = "";
      const len = Math.floor(r() * 10);
      for (let k = 0; k < len; k++) s += "ab.c-]"[Math.floor(r() * 6)];
      const nm = naiveMatch(re.program, s, 50000);
      if (nm !== "too-costly") {
        const want =
          nm === null
            ? null
            : nm.starts.slice(1).map((x, j) => (x < 0 ? null : s.slice(x, nm.ends[j + 1])));
        assert.deepEqual(
          matchWhole(re, s),
          want,
          `match ${JSON.stringify(p)} ${JSON.stringify(s)}`,
        );
        checked++;
      }
      const ns = naiveSearchAll(re.program, s, 50000);
      if (ns !== "too-costly") {
        const want = ns.map((x) => ({
          start: x.starts[0],
          end: x.ends[0],
          groups: x.starts.slice(1).map((y, j) => (y < 0 ? null : s.slice(y, x.ends[j + 1]))),
        }));
        assert.deepEqual(searchAll(re, s), want, `split ${JSON.stringify(p)} ${JSON.stringify(s)}`);
        checked++;
      }
    }
    assert.ok(checked > 4000, `only ${checked} comparisons`);
  });
});

describe("regex: no exponential blow-up", () => {
  const timed = (f: () => unknown): number => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  const a = (n: number) => "a".repeat(n);

  it("handles patterns libstdc++ backtracks on exponentially", () => {
    const cases: [string, string][] = [
      ["(a|a)*b", a(3000)],
      ["(a*)*b", a(2000)],
      ["((a*)*)*b", a(300)],
      ["(a|aa)*c", a(3000)],
      ["(.*)*x", a(1000)],
      ["(a?){25}a{25}", a(25)],
      ["(x+x+)+y", "x".repeat(2000)],
    ];
    for (const [p, s] of cases) {
      const ms = timed(() => {
        matchWhole(compile(p), s);
        searchAll(compile(p), s);
      });
      assert.ok(ms < 3000, `${p} took ${ms}ms`);
    }
  });

  it("handles long subjects without deep recursion", () => {
    const big = "some/path/to/file.nix\n".repeat(5000);
    assert.deepEqual(matchWhole(compile("(.*)\\.nix\n"), big), [big.slice(0, -5)]);
    assert.equal(splitString(compile("\n"), big).length, 2 * 5000 + 1);
    assert.equal(searchAll(compile("[a-z]+"), big).length, 5 * 5000);
  });

  it("stops with a too-complex RegexError when the budget is spent", () => {
    assert.throws(
      () => matchWhole(compile("(a|aa)*c"), a(5000), { maxSteps: 1000, maxMemo: 1_000_000 }),
      (e: unknown) => e instanceof RegexError && e.kind === "too-complex",
    );
    assert.throws(
      () => searchAll(compile("(a|aa)*c"), a(5000), { maxSteps: 1e9, maxMemo: 100 }),
      (e: unknown) => e instanceof RegexError && e.kind === "too-complex",
    );
  });
});

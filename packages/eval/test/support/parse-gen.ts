// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Nix source text uses ${ ... }
/**
 * Random Nix source for differential testing: expressions of every syntactic form, printed with
 * random whitespace, comments, line endings and extra parentheses. Generation follows the grammar's
 * precedence levels so most output is valid; variables are drawn from the names in scope (or any
 * name under `with`) so most of it also passes the undefined-variable check. Deterministic for a
 * given seed, so a failure can be reproduced.
 */

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

// Precedence levels, loosest first. An expression generated for level L may be used where level
// >= L is required only if parenthesised.
const L_EXPR = 0; // lambda, let, with, assert, if
const L_IMPL = 1;
const L_OR = 2;
const L_AND = 3;
const L_EQ = 4;
const L_CMP = 5;
const L_UPDATE = 6;
const L_NOT = 7;
const L_ADD = 8;
const L_MUL = 9;
const L_CONCAT = 10;
const L_HAS = 11;
const L_NEG = 12;
const L_APP = 13;
const L_SELECT = 14;

interface BinOp {
  op: string;
  level: number;
  assoc: "l" | "r" | "n";
}
const BINOPS: BinOp[] = [
  { op: "->", level: L_IMPL, assoc: "r" },
  { op: "||", level: L_OR, assoc: "l" },
  { op: "&&", level: L_AND, assoc: "l" },
  { op: "==", level: L_EQ, assoc: "n" },
  { op: "!=", level: L_EQ, assoc: "n" },
  { op: "<", level: L_CMP, assoc: "n" },
  { op: ">", level: L_CMP, assoc: "n" },
  { op: "<=", level: L_CMP, assoc: "n" },
  { op: ">=", level: L_CMP, assoc: "n" },
  { op: "//", level: L_UPDATE, assoc: "r" },
  { op: "+", level: L_ADD, assoc: "l" },
  { op: "-", level: L_ADD, assoc: "l" },
  { op: "*", level: L_MUL, assoc: "l" },
  { op: "/", level: L_MUL, assoc: "l" },
  { op: "++", level: L_CONCAT, assoc: "r" },
];

const GLOBALS = [
  "true",
  "false",
  "null",
  "builtins",
  "map",
  "toString",
  "import",
  "__add",
  "__sub",
];
const NAMES = ["a", "b", "c", "x", "y", "f", "foo", "bar-baz", "x'", "_q", "a1", "or-not", "self"];
const ATTR_WORDS = ["a", "b", "c", "name", "src", "meta", "x", "value", "foo-bar", "_p", "z'"];

export interface GenOptions {
  maxDepth?: number;
}

export class NixGen {
  private readonly r: Rng;
  private readonly maxDepth: number;
  /** Names in lexical scope. */
  private scope: string[] = [];
  private withDepth = 0;

  constructor(rng: Rng, options: GenOptions = {}) {
    this.r = rng;
    this.maxDepth = options.maxDepth ?? 6;
  }

  /** A complete expression. */
  expression(): string {
    this.scope = [];
    this.withDepth = 0;
    return this.ws(true) + this.expr(L_EXPR, 0) + this.ws(true);
  }

  /** Whitespace between tokens; never empty unless `optional`, never starts with `/` or `*`. */
  private ws(optional = false): string {
    const r = this.r;
    const x = r.int(20);
    if (optional && x < 6) return "";
    if (x < 12) return " ";
    if (x < 14) return "\n";
    if (x < 15) return "\t";
    if (x < 16) return "\r\n  ";
    if (x < 17) return ` /* ${this.commentText()} */ `;
    if (x < 18) return ` # ${this.commentText()}\n`;
    if (x < 19) return "\n\n    ";
    return "  ";
  }

  private commentText(): string {
    return this.r.pick(["c", "comment", "é ü", "/ * x", "#", "a\tb", "''", '"', "${x}"]);
  }

  private paren(s: string): string {
    return `(${this.ws(true)}${s}${this.ws(true)})`;
  }

  /** An expression usable at `level`. */
  private expr(level: number, depth: number): string {
    const r = this.r;
    if (depth >= this.maxDepth) return this.atom();
    // Sometimes produce a looser form and parenthesise it.
    const choice = r.int(100);
    if (choice < 4 && level > L_EXPR) return this.paren(this.expr(L_EXPR, depth + 1));
    if (level <= L_EXPR && choice < 30) return this.compound(depth);
    if (level <= L_HAS && choice < 55) return this.binary(level, depth);
    if (level <= L_NEG && choice < 60) {
      // Prefix operators, parenthesised when they would capture a following operator.
      if (r.chance(0.5)) return `!${this.ws(true)}${this.expr(L_APP, depth + 1)}`;
      return `-${this.ws(true)}${this.expr(L_APP, depth + 1)}`;
    }
    if (level <= L_APP && choice < 70) return this.app(depth);
    if (level <= L_SELECT && choice < 80) return this.select(depth);
    return this.simple(depth);
  }

  private compound(depth: number): string {
    const r = this.r;
    const d = depth + 1;
    switch (r.int(7)) {
      case 0: {
        const x = r.pick(NAMES);
        return this.bound([x], () => `${x}:${this.ws()}${this.expr(L_EXPR, d)}`);
      }
      case 1:
        return this.lambdaFormals(d);
      case 2:
        return `assert${this.ws()}${this.expr(L_EXPR, d)}${this.ws(true)};${this.ws(true)}${this.expr(L_EXPR, d)}`;
      case 3: {
        const env = this.expr(L_EXPR, d);
        this.withDepth++;
        const body = this.expr(L_EXPR, d);
        this.withDepth--;
        return `with${this.ws()}${env}${this.ws(true)};${this.ws(true)}${body}`;
      }
      case 4:
        return this.letIn(d);
      case 5:
        return `if${this.ws()}${this.expr(L_EXPR, d)}${this.ws()}then${this.ws()}${this.expr(L_EXPR, d)}${this.ws()}else${this.ws()}${this.expr(L_EXPR, d)}`;
      default:
        return this.binary(L_IMPL, d);
    }
  }

  private bound<T>(names: string[], f: () => T): T {
    const before = this.scope.length;
    this.scope.push(...names);
    const v = f();
    this.scope.length = before;
    return v;
  }

  private lambdaFormals(d: number): string {
    const r = this.r;
    const n = r.int(4);
    const names = [...new Set(Array.from({ length: n }, () => r.pick(NAMES)))];
    const at = r.chance(0.3) ? r.pick(NAMES.filter((x) => !names.includes(x))) : null;
    const all = at ? [...names, at] : names;
    return this.bound(all, () => {
      const parts = names.map((x) =>
        r.chance(0.4) ? `${x}${this.ws(true)}?${this.ws(true)}${this.expr(L_EXPR, d)}` : x,
      );
      if (r.chance(0.3)) parts.push("...");
      let set = `{${this.ws(true)}${parts.join(`${this.ws(true)},${this.ws(true)}`)}${this.ws(true)}}`;
      if (parts.length > 0 && !parts.includes("...") && r.chance(0.1))
        set = set.replace(/}$/, ",}");
      let head = set;
      if (at)
        head = r.chance(0.5)
          ? `${set}${this.ws(true)}@${this.ws(true)}${at}`
          : `${at}${this.ws(true)}@${this.ws(true)}${set}`;
      return `${head}${this.ws(true)}:${this.ws()}${this.expr(L_EXPR, d)}`;
    });
  }

  private letIn(d: number): string {
    const r = this.r;
    const names = [...new Set(Array.from({ length: 1 + r.int(3) }, () => r.pick(NAMES)))];
    // `inherit x;` takes x from outside; only inherit names that are in scope there.
    const outer = this.scope.filter((x) => !names.includes(x));
    const inherits = outer.length > 0 && r.chance(0.3) ? [r.pick(outer)] : [];
    return this.bound([...names, ...inherits], () => {
      let s = `let${this.ws()}`;
      if (inherits.length) s += `inherit ${inherits.join(" ")};${this.ws()}`;
      for (const n of names)
        s += `${this.attrKey(n)}${this.ws(true)}=${this.ws(true)}${this.expr(L_EXPR, d)}${this.ws(true)};${this.ws()}`;
      return `${s}in${this.ws()}${this.expr(L_EXPR, d)}`;
    });
  }

  private binary(level: number, depth: number): string {
    const r = this.r;
    const d = depth + 1;
    const candidates = BINOPS.filter((o) => o.level >= level);
    if (candidates.length === 0 || r.chance(0.15)) {
      if (level <= L_HAS) {
        const path = this.attrPath(d, false);
        return `${this.expr(L_NEG, d)}${this.ws(true)}?${this.ws(true)}${path}`;
      }
      return this.app(depth);
    }
    const o = r.pick(candidates);
    const left = o.assoc === "l" ? o.level : o.level + 1;
    const right = o.assoc === "r" ? o.level : o.level + 1;
    // `!x` as a left operand would capture the operator; keep left operands prefix-free.
    const lhs = this.expr(left, d);
    const l = lhs.startsWith("!") && o.level > L_NOT ? this.paren(lhs) : lhs;
    return `${l}${this.ws()}${o.op}${this.ws()}${this.expr(right, d)}`;
  }

  private app(depth: number): string {
    const r = this.r;
    const d = depth + 1;
    let s = this.select(d);
    const n = r.int(3);
    for (let i = 0; i < n; i++) s += this.ws() + this.select(d);
    if (this.withDepth > 0 && r.chance(0.05)) s += `${this.ws()}or`; // the "cursed or"
    return s;
  }

  private select(depth: number): string {
    const r = this.r;
    const d = depth + 1;
    const base = this.simple(d);
    if (!r.chance(0.3)) return base;
    let s = `${base}.${this.attrPath(d, true)}`;
    if (r.chance(0.3)) s += `${this.ws()}or${this.ws()}${this.select(d)}`;
    return s;
  }

  private attrPath(d: number, tight: boolean): string {
    const r = this.r;
    const n = 1 + r.int(3);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.attrName(d, true));
    return parts.join(tight ? "." : r.pick([".", " . ", "."]));
  }

  private attrName(d: number, allowDynamic: boolean): string {
    const r = this.r;
    const x = r.int(12);
    if (x < 6) return r.pick(ATTR_WORDS);
    if (x < 7) return "or";
    if (x < 8) return `"${r.pick(["if", "a b", "", "x.y", "$", "in", "1", "é"])}"`;
    if (x < 9) return `"${r.pick(ATTR_WORDS)}"`;
    if (!allowDynamic || d >= this.maxDepth) return r.pick(ATTR_WORDS);
    if (x < 10) return `\${${this.ws(true)}${this.expr(L_EXPR, d + 1)}${this.ws(true)}}`;
    if (x < 11) return `\${"${r.pick(ATTR_WORDS)}"}`;
    return `"a\${${this.expr(L_EXPR, d + 1)}}"`;
  }

  private attrKey(name: string): string {
    return this.r.chance(0.15) ? `"${name}"` : name;
  }

  private atom(): string {
    const r = this.r;
    switch (r.int(6)) {
      case 0:
        return this.variable();
      case 1:
        return this.int();
      case 2:
        return this.float();
      case 3:
        return `"${this.r.pick(["", "x", "a b", "\\n", "é"])}"`;
      case 4:
        return r.pick(["./a", "/b/c", "[ ]", "{ }", "<nixpkgs>", "__curPos"]);
      default:
        return this.variable();
    }
  }

  private variable(): string {
    const r = this.r;
    if (this.withDepth > 0 && r.chance(0.3)) return r.pick(NAMES);
    if (this.scope.length > 0 && r.chance(0.7)) return r.pick(this.scope);
    return r.pick(GLOBALS);
  }

  private int(): string {
    return this.r.pick([
      "0",
      "1",
      "42",
      "007",
      "123456789",
      "9007199254740993",
      "9223372036854775807",
      "4294967296",
    ]);
  }

  private float(): string {
    return this.r.pick([
      "1.5",
      ".5",
      "1.",
      "0.1",
      "1.5e3",
      "2.5E-3",
      "1.0e-5",
      "123456789.0",
      "1000000.0",
      "100000.0",
      "0.000001",
      "3.14159265358979",
      "1234565.0",
      "0.0001",
      "00.5",
      "1.0e+300",
    ]);
  }

  private simple(depth: number): string {
    const r = this.r;
    const d = depth + 1;
    if (depth >= this.maxDepth) return this.atom();
    switch (r.int(16)) {
      case 0:
      case 1:
        return this.variable();
      case 2:
        return this.int();
      case 3:
        return this.float();
      case 4:
        return this.string(d);
      case 5:
        return this.indString(d);
      case 6:
        return this.path(d);
      case 7:
        return r.pick([
          "<nixpkgs>",
          "<nix/fetchurl.nix>",
          "<a-b.c+d/e_f>",
          "http://example.org/a?b=c&d=e",
          "x:y",
          "https://x.y:8080/~u/*'$,!",
          "__curPos",
          "~/a/b",
        ]);
      case 8:
      case 9:
        return this.paren(this.expr(L_EXPR, d));
      case 10:
      case 11:
        return this.list(d);
      case 12:
      case 13:
        return this.attrs(d);
      case 14:
        return this.legacyLet(d);
      default:
        return this.variable();
    }
  }

  private list(d: number): string {
    const n = this.r.int(4);
    let s = "[";
    for (let i = 0; i < n; i++) s += this.ws() + this.select(d);
    return `${s}${this.ws(true)}]`;
  }

  /**
   * Bindings without conflicts (a trie of static paths). Keys are chosen first so that a `rec`
   * set can put exactly its own names in scope for the values.
   */
  private bindings(d: number, rec: boolean, allowDynamic: boolean): string {
    const r = this.r;
    const n = r.int(5);
    const leaf = new Set<string>();
    const inner = new Set<string>();
    type Item =
      | { k: "inherit"; name: string }
      | { k: "from"; names: string[] }
      | { k: "dyn" }
      | { k: "path"; comps: string[] };
    const items: Item[] = [];
    for (let i = 0; i < n; i++) {
      const x = r.int(10);
      if (x < 2 && (this.scope.length > 0 || this.withDepth > 0)) {
        const name = this.variable();
        if (GLOBALS.includes(name) || leaf.has(name) || inner.has(name)) continue;
        leaf.add(name);
        items.push({ k: "inherit", name });
      } else if (x < 3) {
        const names = [r.pick(ATTR_WORDS), r.pick(ATTR_WORDS)].filter(
          (a, j, xs) => xs.indexOf(a) === j && !leaf.has(a) && !inner.has(a),
        );
        if (names.length === 0) continue;
        for (const a of names) leaf.add(a);
        items.push({ k: "from", names });
      } else if (allowDynamic && x < 4) {
        items.push({ k: "dyn" });
      } else {
        const len = 1 + (r.chance(0.3) ? r.int(3) : 0);
        const comps = Array.from({ length: len }, () => r.pick(ATTR_WORDS));
        let ok = true;
        for (let k = 0; k < comps.length; k++) {
          const key = comps.slice(0, k + 1).join("\0");
          if (leaf.has(key)) ok = false;
          if (k === comps.length - 1 && inner.has(key)) ok = false;
        }
        if (!ok) continue;
        for (let k = 0; k < comps.length - 1; k++) inner.add(comps.slice(0, k + 1).join("\0"));
        leaf.add(comps.join("\0"));
        items.push({ k: "path", comps });
      }
    }
    const own = new Set<string>();
    for (const it of items) {
      if (it.k === "inherit") own.add(it.name);
      else if (it.k === "from") for (const a of it.names) own.add(a);
      else if (it.k === "path") own.add(it.comps[0]);
    }
    const render = (): string =>
      items
        .map((it) => {
          let s: string;
          if (it.k === "inherit") s = `inherit${this.ws()}${it.name}${this.ws(true)};`;
          else if (it.k === "from")
            s = `inherit${this.ws(true)}(${this.expr(L_EXPR, d)})${this.ws(true)}${it.names.join(" ")};`;
          else if (it.k === "dyn")
            s = `\${${this.expr(L_EXPR, d)}}${this.ws(true)}=${this.ws(true)}${this.expr(L_EXPR, d)};`;
          else
            s = `${it.comps.map((c) => this.attrKey(c)).join(".")}${this.ws(true)}=${this.ws(true)}${this.expr(L_EXPR, d)}${this.ws(true)};`;
          return this.ws() + s;
        })
        .join("");
    // `inherit x;` is resolved outside the set even in a rec set; the generator only inherits
    // names that are in scope outside, so binding the set's names first is harmless.
    return rec ? this.bound([...own], render) : render();
  }

  private attrs(d: number): string {
    const rec = this.r.chance(0.3);
    const body = this.bindings(d, rec, true);
    return `${rec ? `rec${this.ws(true)}` : ""}{${body}${this.ws(true)}}`;
  }

  private legacyLet(d: number): string {
    // The body sees the set's own names; `body` itself is added last.
    const binds = this.bindings(d, true, false);
    return `let${this.ws(true)}{${binds}${this.ws()}body${this.ws(true)}=${this.ws(true)}${this.expr(L_EXPR, d)};${this.ws(true)}}`;
  }

  private string(d: number): string {
    const r = this.r;
    const n = r.int(5);
    let s = '"';
    for (let i = 0; i < n; i++) {
      const x = r.int(16);
      if (x < 4) s += r.pick(["abc", " ", "hello world", "é", "ü\u00ff", "tab\there"]);
      else if (x < 5) s += r.pick(["\\n", "\\t", "\\r", '\\"', "\\\\", "\\$", "\\{", "\\a"]);
      else if (x < 6) s += r.pick(["$$", "$", "$$$"]) + r.pick(["a", " ", "x"]);
      else if (x < 7) s += "\r\n";
      else if (x < 8) s += "\n";
      else if (x < 9) s += "''";
      else if (x < 10) s += "$${literal}";
      else if (x < 12 && d < this.maxDepth)
        s += `\${${this.ws(true)}${this.expr(L_EXPR, d + 1)}${this.ws(true)}}`;
      else s += "x";
    }
    if (r.chance(0.1)) s += "$";
    return `${s}"`;
  }

  private indString(d: number): string {
    const r = this.r;
    const lines = 1 + r.int(4);
    let s = r.chance(0.6) ? "''\n" : r.chance(0.5) ? "''   \n" : "''";
    for (let i = 0; i < lines; i++) {
      s += " ".repeat(r.pick([0, 1, 2, 4, 4, 6]));
      if (r.chance(0.1)) s += "\t";
      const parts = r.int(4);
      for (let j = 0; j < parts; j++) {
        const x = r.int(14);
        if (x < 4) s += r.pick(["text", "a b", "é", "x = 1;", "'quoted'", '"dq"', "\\n"]);
        else if (x < 5) s += r.pick(["''$", "'''", "''\\n", "''\\t", "''\\x", "''\\ "]);
        else if (x < 6) s += r.pick(["$$", "$x", "$${y}"]);
        else if (x < 7) s += "' ";
        else if (x < 9 && d < this.maxDepth) s += `\${${this.expr(L_EXPR, d + 1)}}`;
        else s += "word";
      }
      // A `'` right before the closing `''` would make `'''`, an escape.
      if (s.endsWith("'")) s += " ";
      if (i < lines - 1 || r.chance(0.5)) s += "\n";
    }
    if (r.chance(0.3)) s += " ".repeat(r.int(4));
    return `${s}''`;
  }

  private path(d: number): string {
    const r = this.r;
    const base = r.pick([
      "./a",
      "../b/c",
      "/abs/p.nix",
      "a/b",
      "./.",
      "x-y/z+1",
      "1.0/3",
      "~/h",
      "/a",
    ]);
    if (!r.chance(0.3) || d >= this.maxDepth) return base;
    const interp = `\${${this.expr(L_EXPR, d + 1)}}`;
    return r.pick([
      `${base}/${interp}`,
      `${base}${interp}`,
      `${base}/${interp}/tail`,
      `${base}${interp}x${interp}`,
      `/${interp}`,
      `./${interp}.nix`,
    ]);
  }
}

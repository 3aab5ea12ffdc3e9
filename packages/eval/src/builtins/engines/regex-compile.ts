/**
 * Compiles a POSIX extended regular expression into an NFA the way CppNix's `std::regex(re,
 * std::regex::extended)` (libstdc++ 12, the library Nix 2.8 is built with on Linux) does.
 *
 * Why mirror libstdc++ so closely instead of writing a textbook ERE parser:
 * - Which patterns are rejected is libstdc++'s choice, not POSIX's: `a)`, `*a`, `^*`, `[a-c-e]`,
 *   `a{,3}` and escapes of ordinary characters (`\d`, `\1`, `\]`; libstdc++ is built with
 *   `__STRICT_ANSI__`) are all errors, while `a**`, `a}` and `a]` are fine.
 * - Matching semantics (see regex-exec.ts) depend on the exact NFA shape: the order of
 *   alternatives and repeat nodes, and one repeat-counter per (cloned) repeat node.
 * - CppNix reports "memory limit exceeded" when the NFA would exceed 100000 states, so the
 *   state count must match, including states libstdc++ creates and then leaves unused.
 *
 * The tokenizer is in regex-scan.ts; this file is the grammar and the NFA construction.
 */
import { isClass, lookupClassName, lookupCollateName, toLower } from "./regex-ctype.ts";
import { RegexError } from "./regex-error.ts";
import {
  fail,
  Scanner,
  SyntaxFail,
  T_ANYCHAR,
  T_BRACKET_BEGIN,
  T_BRACKET_DASH,
  T_BRACKET_END,
  T_BRACKET_NEG_BEGIN,
  T_CHAR_CLASS_NAME,
  T_CLOSURE0,
  T_CLOSURE1,
  T_COLLSYMBOL,
  T_COMMA,
  T_DUP_COUNT,
  T_EOF,
  T_EQUIV_CLASS_NAME,
  T_INTERVAL_BEGIN,
  T_INTERVAL_END,
  T_LINE_BEGIN,
  T_LINE_END,
  T_OPT,
  T_OR,
  T_ORD_CHAR,
  T_SUBEXPR_BEGIN,
  T_SUBEXPR_END,
} from "./regex-scan.ts";

export const OP_ACCEPT = 0;
export const OP_MATCH = 1;
export const OP_ALT = 2;
export const OP_REPEAT = 3;
export const OP_GROUP_BEGIN = 4;
export const OP_GROUP_END = 5;
export const OP_LINE_BEGIN = 6;
export const OP_LINE_END = 7;
export const OP_DUMMY = 8;

/** libstdc++'s `_GLIBCXX_REGEX_STATE_LIMIT`. */
export const STATE_LIMIT = 100000;

/** A compiled pattern. States are indexed 0..size-1; state 0 is the start. */
export interface Program {
  readonly pattern: string;
  readonly size: number;
  readonly op: Uint8Array;
  /** Successor ("next"); for OP_REPEAT the exit, for OP_ALT the right alternative. */
  readonly next: Int32Array;
  /** For OP_REPEAT the loop body, for OP_ALT the left alternative. */
  readonly alt: Int32Array;
  /** Group index for OP_GROUP_*, matcher index for OP_MATCH. */
  readonly arg: Int32Array;
  /** 256-entry byte tables (1 = byte matches). */
  readonly matchers: readonly Uint8Array[];
  /** Number of capture groups including group 0. */
  readonly groupCount: number;
}

// ---------------------------------------------------------------------------------------------
// NFA under construction

interface State {
  op: number;
  next: number;
  alt: number;
  arg: number;
}

/** A fragment: entry state and the state whose `next` is to be linked to what follows. */
interface Frag {
  start: number;
  end: number;
}

function hasAlt(op: number): boolean {
  return op === OP_ALT || op === OP_REPEAT;
}

/**
 * Parses `{n}` digits: the value is accumulated in a wrapping 64-bit integer and then
 * truncated to a 32-bit int, as libstdc++ does, so `a{4294967297}` means `a{1}` (oracle).
 */
function dupCount(digits: string): number {
  let v = 0n;
  for (let i = 0; i < digits.length; i++) {
    v = BigInt.asIntN(64, v * 10n + BigInt(digits.charCodeAt(i) - 0x30));
  }
  return Number(BigInt.asIntN(32, v));
}

class Builder {
  readonly states: State[] = [];
  readonly matchers: Uint8Array[] = [];
  private readonly stack: Frag[] = [];
  private readonly parenStack: number[] = [];
  groupCount = 0;
  private readonly sc: Scanner;

  constructor(pattern: string) {
    this.sc = new Scanner(pattern);
  }

  // -- state insertion (every insertion counts towards the limit, like libstdc++) --

  private insert(op: number, next = -1, alt = -1, arg = 0): number {
    this.states.push({ op, next, alt, arg });
    if (this.states.length > STATE_LIMIT) throw new SyntaxFail("error_space", true);
    return this.states.length - 1;
  }

  private insertGroupBegin(): number {
    const id = this.groupCount++;
    this.parenStack.push(id);
    return this.insert(OP_GROUP_BEGIN, -1, -1, id);
  }

  private insertGroupEnd(): number {
    const id = this.parenStack.pop()!;
    return this.insert(OP_GROUP_END, -1, -1, id);
  }

  private insertMatcher(table: Uint8Array): number {
    this.matchers.push(table);
    return this.insert(OP_MATCH, -1, -1, this.matchers.length - 1);
  }

  private link(f: Frag, start: number, end: number): void {
    this.states[f.end].next = start;
    f.end = end;
  }

  private push(f: Frag): void {
    this.stack.push(f);
  }

  private pop(): Frag {
    return this.stack.pop()!;
  }

  private take(token: number): boolean {
    if (this.sc.token !== token) return false;
    this.lastValue = this.sc.value;
    this.sc.advance();
    return true;
  }

  private lastValue = "";

  // -- grammar --

  compile(): void {
    const f: Frag = { start: 0, end: 0 };
    this.link(f, this.insertGroupBegin(), 0);
    f.end = 0;
    this.disjunction();
    if (!this.take(T_EOF)) fail("error_paren");
    const body = this.pop();
    this.link(f, body.start, body.end);
    const gEnd = this.insertGroupEnd();
    this.link(f, gEnd, gEnd);
    const acc = this.insert(OP_ACCEPT);
    this.link(f, acc, acc);
    this.eliminateDummies();
  }

  private disjunction(): void {
    this.alternative();
    while (this.take(T_OR)) {
      const left = this.pop();
      this.alternative();
      const right = this.pop();
      const end = this.insert(OP_DUMMY);
      this.link(left, end, end);
      this.link(right, end, end);
      // The left alternative is explored first (it is the "alt" edge).
      this.push({ start: this.insert(OP_ALT, right.start, left.start), end });
    }
  }

  /** A concatenation of terms; an empty one is a single dummy state. */
  private alternative(): void {
    const terms: Frag[] = [];
    while (this.term()) terms.push(this.pop());
    // libstdc++ recurses and inserts the closing dummy after all the terms.
    const seq: Frag = { start: this.insert(OP_DUMMY), end: 0 };
    seq.end = seq.start;
    let acc = seq;
    for (let i = terms.length - 1; i >= 0; i--) {
      const t = terms[i];
      this.link(t, acc.start, acc.end);
      acc = t;
    }
    this.push(acc);
  }

  private term(): boolean {
    if (this.take(T_LINE_BEGIN)) {
      const s = this.insert(OP_LINE_BEGIN);
      this.push({ start: s, end: s });
      return true; // an assertion takes no quantifier: `^*` is invalid
    }
    if (this.take(T_LINE_END)) {
      const s = this.insert(OP_LINE_END);
      this.push({ start: s, end: s });
      return true;
    }
    if (!this.atom()) return false;
    while (this.quantifier()) {
      // `a**`, `a+?` and `a{2}*` stack quantifiers (no lazy forms in extended mode).
    }
    return true;
  }

  private atom(): boolean {
    if (this.take(T_ANYCHAR)) {
      // `.` matches every byte except NUL in POSIX mode.
      const t = new Uint8Array(256).fill(1);
      t[0] = 0;
      const s = this.insertMatcher(t);
      this.push({ start: s, end: s });
      return true;
    }
    if (this.take(T_ORD_CHAR)) {
      const t = new Uint8Array(256);
      t[this.lastValue.charCodeAt(0)] = 1;
      const s = this.insertMatcher(t);
      this.push({ start: s, end: s });
      return true;
    }
    if (this.take(T_SUBEXPR_BEGIN)) {
      const f: Frag = { start: this.insertGroupBegin(), end: 0 };
      f.end = f.start;
      this.disjunction();
      if (!this.take(T_SUBEXPR_END)) fail("error_paren");
      const inner = this.pop();
      this.link(f, inner.start, inner.end);
      const e = this.insertGroupEnd();
      this.link(f, e, e);
      this.push(f);
      return true;
    }
    return this.bracket();
  }

  private quantifier(): boolean {
    if (this.take(T_CLOSURE0)) {
      const e = this.pop();
      const r = this.insert(OP_REPEAT, -1, e.start);
      this.link(e, r, r);
      this.push({ start: r, end: r });
      return true;
    }
    if (this.take(T_CLOSURE1)) {
      const e = this.pop();
      const r = this.insert(OP_REPEAT, -1, e.start);
      this.link(e, r, r);
      this.push(e);
      return true;
    }
    if (this.take(T_OPT)) {
      const e = this.pop();
      const end = this.insert(OP_DUMMY);
      const r = this.insert(OP_REPEAT, -1, e.start);
      this.link(e, end, end);
      this.states[r].next = end;
      this.push({ start: r, end });
      return true;
    }
    if (this.take(T_INTERVAL_BEGIN)) {
      if (!this.take(T_DUP_COUNT)) fail("error_badbrace");
      const atom = this.pop();
      const e: Frag = { start: this.insert(OP_DUMMY), end: 0 };
      e.end = e.start;
      const min = dupCount(this.lastValue);
      let infinite = false;
      let extra = 0;
      if (this.take(T_COMMA)) {
        if (this.take(T_DUP_COUNT)) extra = dupCount(this.lastValue) - min;
        else infinite = true;
      }
      if (!this.take(T_INTERVAL_END)) fail("error_brace");
      // The atom's own states stay in the NFA unused; each repetition is a fresh clone.
      for (let i = 0; i < min; i++) {
        const c = this.clone(atom);
        this.link(e, c.start, c.end);
      }
      if (infinite) {
        const c = this.clone(atom);
        const r = this.insert(OP_REPEAT, -1, c.start);
        this.link(c, r, r);
        this.link(e, r, r);
      } else {
        if (extra < 0) fail("error_badbrace");
        // `{m,n}` = m copies then n-m nested optional copies, each its own repeat node.
        const end = this.insert(OP_DUMMY);
        for (let i = 0; i < extra; i++) {
          const c = this.clone(atom);
          const r = this.insert(OP_REPEAT, end, c.start);
          this.link(e, r, c.end);
        }
        this.link(e, end, end);
      }
      this.push(e);
      return true;
    }
    return false;
  }

  /**
   * Copies the states of a fragment, visiting them depth-first with an explicit LIFO stack
   * from its start (following the alt edge before the next edge, never past its end). A state
   * pushed twice before being visited is copied twice, as libstdc++ does; only the count of
   * states (the limit) can observe that.
   */
  private clone(f: Frag): Frag {
    const map = new Map<number, number>();
    const todo = [f.start];
    while (todo.length > 0) {
      const u = todo.pop()!;
      const src = this.states[u];
      const id = this.insert(src.op, src.next, src.alt, src.arg);
      map.set(u, id);
      if (hasAlt(src.op) && src.alt !== -1 && !map.has(src.alt)) todo.push(src.alt);
      if (u === f.end) continue;
      if (src.next !== -1 && !map.has(src.next)) todo.push(src.next);
    }
    for (const id of map.values()) {
      const st = this.states[id];
      if (st.next !== -1) st.next = map.get(st.next) ?? st.next;
      if (hasAlt(st.op) && st.alt !== -1) st.alt = map.get(st.alt) ?? st.alt;
    }
    return { start: map.get(f.start)!, end: map.get(f.end)! };
  }

  private bracket(): boolean {
    const neg = this.take(T_BRACKET_NEG_BEGIN);
    if (!neg && !this.take(T_BRACKET_BEGIN)) return false;
    const m = new BracketSet();
    // `last` caches a single character that may still become the start of a range.
    let last = -1; // -1: nothing cached
    let lastIsClass = false;
    const pushChar = (c: number) => {
      if (last >= 0) m.chars.add(last);
      last = c;
      lastIsClass = false;
    };
    const pushClass = () => {
      if (last >= 0) m.chars.add(last);
      last = -1;
      lastIsClass = true;
    };
    if (this.take(T_ORD_CHAR)) last = this.lastValue.charCodeAt(0);
    else if (this.take(T_BRACKET_DASH)) last = 0x2d; // a leading `-` is literal
    for (;;) {
      if (this.take(T_BRACKET_END)) break;
      if (this.take(T_COLLSYMBOL)) {
        const b = lookupCollateName(this.lastValue);
        if (b < 0) fail("error_collate");
        pushChar(b);
      } else if (this.take(T_EQUIV_CLASS_NAME)) {
        const b = lookupCollateName(this.lastValue);
        if (b < 0) fail("error_collate");
        pushClass();
        m.equiv.push(toLower(b));
      } else if (this.take(T_CHAR_CLASS_NAME)) {
        const mask = lookupClassName(this.lastValue);
        if (mask === 0) fail("error_ctype");
        pushClass();
        m.classMask |= mask;
      } else if (this.take(T_ORD_CHAR)) {
        pushChar(this.lastValue.charCodeAt(0));
      } else if (this.take(T_BRACKET_DASH)) {
        if (this.take(T_BRACKET_END)) {
          pushChar(0x2d); // `-]`: the dash is literal
          break;
        }
        if (lastIsClass) fail("error_range"); // `[[:alpha:]-z]`
        if (last < 0) fail("error_range"); // `[a-c-e]`: a dash after a range
        let hi: number;
        if (this.take(T_ORD_CHAR)) hi = this.lastValue.charCodeAt(0);
        else if (this.take(T_BRACKET_DASH)) hi = 0x2d;
        else fail("error_range");
        m.addRange(last, hi);
        last = -1;
        lastIsClass = false;
      } else {
        fail("error_brack"); // includes an unterminated bracket (EOF)
      }
    }
    if (last >= 0) m.chars.add(last);
    const s = this.insertMatcher(m.table(neg));
    this.push({ start: s, end: s });
    return true;
  }

  private eliminateDummies(): void {
    const st = this.states;
    const skip = (i: number): number => {
      let guard = 0;
      while (i >= 0 && st[i].op === OP_DUMMY) {
        i = st[i].next;
        if (++guard > st.length) fail("error_complexity");
      }
      return i;
    };
    for (const s of st) {
      s.next = skip(s.next);
      if (hasAlt(s.op)) s.alt = skip(s.alt);
    }
  }
}

/** Signed value of a byte, as `char` compares on x86-64 Linux. */
function signedByte(b: number): number {
  return b < 128 ? b : b - 256;
}

class BracketSet {
  readonly chars = new Set<number>();
  readonly ranges: [number, number][] = [];
  readonly equiv: number[] = [];
  classMask = 0;

  /** Ranges compare bytes as signed chars: `[é-a]` is valid and covers 0xa9..0xff, 0..'a'. */
  addRange(lo: number, hi: number): void {
    if (signedByte(lo) > signedByte(hi)) fail("error_range");
    this.ranges.push([signedByte(lo), signedByte(hi)]);
  }

  table(neg: boolean): Uint8Array {
    const t = new Uint8Array(256);
    for (let b = 0; b < 256; b++) {
      let hit = this.chars.has(b);
      if (!hit) {
        const sb = signedByte(b);
        for (const [lo, hi] of this.ranges) {
          if (lo <= sb && sb <= hi) {
            hit = true;
            break;
          }
        }
      }
      if (!hit && this.classMask !== 0) hit = isClass(b, this.classMask);
      // `[=x=]` compares lower-cased bytes: `[[=a=]]` matches "A".
      if (!hit && this.equiv.length > 0) hit = this.equiv.includes(toLower(b));
      t[b] = hit !== neg ? 1 : 0;
    }
    return t;
  }
}

/** Compiles `pattern` (a latin1 byte string) or throws a RegexError. */
export function compileProgram(pattern: string): Program {
  let b: Builder;
  try {
    b = new Builder(pattern);
    b.compile();
  } catch (e) {
    if (e instanceof SyntaxFail) {
      throw new RegexError(e.space ? "space" : "invalid", pattern, e.detail);
    }
    throw e;
  }
  const n = b.states.length;
  const op = new Uint8Array(n);
  const next = new Int32Array(n);
  const alt = new Int32Array(n);
  const arg = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = b.states[i];
    op[i] = s.op;
    next[i] = s.next;
    alt[i] = s.alt;
    arg[i] = s.arg;
  }
  return {
    pattern,
    size: n,
    op,
    next,
    alt,
    arg,
    matchers: b.matchers,
    groupCount: b.groupCount,
  };
}

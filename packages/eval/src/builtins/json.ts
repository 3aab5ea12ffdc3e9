/** toJSON / fromJSON with CppNix's number and string rules. */
import { coerceToString, copyPathToStore } from "../coerce.ts";
import { NixError, throwEval } from "../eval-error.ts";
import { forceString } from "../runtime.ts";
import {
  addContext,
  cmpBytes,
  force,
  INT64_MAX,
  INT64_MIN,
  isFunction,
  mkString,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  normInt,
  type Pos,
  type Slot,
  Thunk,
  type Value,
} from "../values.ts";
import { registerBuiltin } from "./registry.ts";

export function escapeJsonString(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = "\\\\";
    else if (c < 0x20) {
      if (c === 10) esc = "\\n";
      else if (c === 13) esc = "\\r";
      else if (c === 9) esc = "\\t";
      else if (c === 8) esc = "\\b";
      else if (c === 12) esc = "\\f";
      else esc = `\\u${c.toString(16).padStart(4, "0")}`;
    } else if (c === 0x7f) esc = "\\u007f";
    if (esc !== null) {
      out += s.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return `${out}${s.slice(run)}"`;
}

/** Shortest round-trip form of a double, as nlohmann::json prints it. */
export function jsonFloat(x: number): string {
  if (!Number.isFinite(x)) throwEval(`cannot convert float '${x}' to JSON`);
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`.replace("-0.0", "-0.0");
  let s = String(x);
  // JS: 1e+21, 1.5e-7; nlohmann: 1e+21, 1.5e-07.
  s = s.replace(/e([+-])(\d)$/, "e$10$2");
  return s;
}

/**
 * `v` as JSON. `strict` (builtins.toJSON, `--json --strict`) forces nested values; otherwise
 * (`--json` alone) a nested value that was never evaluated is an error, as in CppNix.
 */
export function toJSON(v: Slot, ctx: Set<string>, strict = true): string {
  const out = new JsonOut();
  jsonGo(v, ctx, out, strict, null);
  return out.finish();
}

/**
 * The output of toJSON, as bytes in a growing buffer (off the JS heap): building it from
 * millions of small strings made a rope of as many nodes for the GC to trace and copy.
 */
const latin1Decoder = new TextDecoder("latin1");

class JsonOut {
  buf = new Uint8Array(65536);
  n = 0;
  grow(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  /** Bytes that need no escaping (punctuation, numbers, literals). */
  raw(s: string): void {
    const len = s.length;
    if (this.n + len > this.buf.length) this.grow(len);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }
  byte(c: number): void {
    if (this.n >= this.buf.length) this.grow(1);
    this.buf[this.n++] = c;
  }
  /** A JSON string literal of the byte string `s`. */
  str(s: string): void {
    const len = s.length;
    if (this.n + len + 2 > this.buf.length) this.grow(len + 2);
    let buf = this.buf;
    let n = this.n;
    buf[n++] = 34;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c !== 34 && c !== 92 && c !== 0x7f) {
        if (c >= 0x80 && c < 0xa0) this.c1 = true;
        buf[n++] = c;
        continue;
      }
      // An escape takes up to 6 bytes instead of 1 (and the closing quote is still reserved).
      this.n = n;
      this.grow(len - i + 7);
      buf = this.buf;
      let esc: string;
      if (c === 34) esc = '\\"';
      else if (c === 92) esc = "\\\\";
      else if (c === 10) esc = "\\n";
      else if (c === 13) esc = "\\r";
      else if (c === 9) esc = "\\t";
      else if (c === 8) esc = "\\b";
      else if (c === 12) esc = "\\f";
      else esc = `\\u${c.toString(16).padStart(4, "0")}`;
      for (let j = 0; j < esc.length; j++) buf[n++] = esc.charCodeAt(j);
    }
    buf[n++] = 34;
    this.n = n;
  }
  /** Whether a byte in 0x80..0x9f was written (where windows-1252 differs from latin1). */
  c1 = false;
  finish(): string {
    const buf = this.buf;
    const n = this.n;
    // TextDecoder's "latin1" is windows-1252, which is latin1 outside 0x80..0x9f.
    if (!this.c1) return latin1Decoder.decode(buf.subarray(0, n));
    const CHUNK = 0x2000;
    if (n <= CHUNK)
      return String.fromCharCode.apply(null, buf.subarray(0, n) as unknown as number[]);
    const parts: string[] = [];
    for (let i = 0; i < n; i += CHUNK)
      parts.push(
        String.fromCharCode.apply(
          null,
          buf.subarray(i, Math.min(n, i + CHUNK)) as unknown as number[],
        ),
      );
    return parts.join("");
  }
}

function jsonGo(s: Slot, ctx: Set<string>, out: JsonOut, strict: boolean, pos: Pos | null): void {
  if (!strict && s instanceof Thunk && !s.isForced)
    throwEval("cannot convert a thunk to JSON", pos);
  const x = force(s);
  if (typeof x === "number" || typeof x === "bigint") out.raw(String(x));
  else if (typeof x === "string") out.str(x);
  else if (x === true) out.raw("true");
  else if (x === false) out.raw("false");
  else if (x === null) out.raw("null");
  else if (x instanceof NixString) {
    addContext(ctx, x.ctx);
    out.str(x.s);
  } else if (x instanceof NixFloat) out.raw(jsonFloat(x.value));
  else if (x instanceof NixPath) {
    const p = copyPathToStore(x.path);
    ctx.add(p);
    out.str(p);
  } else if (Array.isArray(x)) {
    out.byte(91);
    for (let i = 0; i < x.length; i++) {
      if (i > 0) out.byte(44);
      try {
        jsonGo(x[i], ctx, out, strict, pos);
      } catch (e) {
        if (e instanceof NixError) e.addTrace(`while evaluating list element at index ${i}`, null);
        throw e;
      }
    }
    out.byte(93);
  } else if (x instanceof NixAttrs) {
    if (x.has("__toString")) {
      out.str(coerceToString(x, ctx, false, true));
      return;
    }
    const o = x.get("outPath");
    if (o !== undefined) {
      jsonGo(o, ctx, out, strict, x.pos?.[x.indexOf("outPath")] ?? pos);
      return;
    }
    out.byte(123);
    const keys = x.keys;
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) out.byte(44);
      out.str(keys[i]);
      out.byte(58);
      try {
        jsonGo(x.values[i], ctx, out, strict, x.pos?.[i] ?? pos);
      } catch (e) {
        if (e instanceof NixError)
          e.addTrace(`while evaluating attribute '${keys[i]}'`, x.pos?.[i] ?? null);
        throw e;
      }
    }
    out.byte(125);
  } else if (isFunction(x)) throwEval("cannot convert a function to JSON");
  else throwEval("cannot convert value to JSON");
}

registerBuiltin("toJSON", 1, (v: Slot) => {
  const ctx = new Set<string>();
  const s = toJSON(v, ctx);
  return mkString(s, ctx);
});

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

class JsonParser {
  i = 0;
  readonly s: string;
  /** The keys of recent objects, for sharing (objects of one shape often repeat). */
  private recentKeys: string[][] = [];
  private readonly kstk: string[] = [];
  private ksp = 0;
  private readonly vstk: Slot[] = [];
  private vsp = 0;
  constructor(s: string) {
    this.s = s;
  }
  /** Keys `kstk[base..base+n]` as an array, shared with a recent object of the same keys. */
  sharedKeys(base: number, n: number): string[] {
    const recent = this.recentKeys;
    const ks = this.kstk;
    outer: for (let r = 0; r < recent.length; r++) {
      const c = recent[r];
      if (c.length !== n) continue;
      for (let i = 0; i < n; i++) if (c[i] !== ks[base + i]) continue outer;
      return c;
    }
    const keys: string[] = new Array(n);
    for (let i = 0; i < n; i++) keys[i] = ks[base + i];
    if (recent.length >= 4) recent.shift();
    recent.push(keys);
    return keys;
  }
  fail(msg = "syntax error"): never {
    return throwEval(`[json.exception.parse_error.101] parse error at ${this.i + 1}: ${msg}`);
  }
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }
  value(depth: number): Value {
    if (depth > 10000) this.fail("nesting too deep");
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === "{") {
      this.i++;
      this.ws();
      if (s[this.i] === "}") {
        this.i++;
        return NixAttrs.EMPTY;
      }
      // Keys and values go on the parser's scratch stacks (slots above the stack pointer are
      // stale, not cleared: the parser dies with its call) and are copied out at exact size.
      const kbase = this.ksp;
      const vbase = this.vsp;
      let sorted = true;
      for (;;) {
        this.ws();
        if (s[this.i] !== '"') this.fail();
        const k = this.string();
        this.ws();
        if (s[this.i] !== ":") this.fail();
        this.i++;
        if (this.ksp > kbase && !(this.kstk[this.ksp - 1] < k)) sorted = false;
        this.kstk[this.ksp++] = k;
        const v = this.value(depth + 1);
        this.vstk[this.vsp++] = v;
        this.ws();
        if (s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (s[this.i] === "}") {
          this.i++;
          break;
        }
        this.fail();
      }
      const n = this.vsp - vbase;
      const values: Slot[] = new Array(n);
      for (let j = 0; j < n; j++) values[j] = this.vstk[vbase + j];
      this.vsp = vbase;
      let keys: string[];
      if (sorted) keys = this.sharedKeys(kbase, n);
      else {
        keys = new Array(n);
        for (let j = 0; j < n; j++) keys[j] = this.kstk[kbase + j];
      }
      this.ksp = kbase;
      if (!sorted) return NixAttrs.fromEntries(keys.map((k, j) => [k, values[j]]));
      return new NixAttrs(keys, values, null);
    }
    if (c === "[") {
      this.i++;
      this.ws();
      if (s[this.i] === "]") {
        this.i++;
        return [];
      }
      const vbase = this.vsp;
      for (;;) {
        const v = this.value(depth + 1);
        this.vstk[this.vsp++] = v;
        this.ws();
        if (s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (s[this.i] === "]") {
          this.i++;
          break;
        }
        this.fail();
      }
      const n = this.vsp - vbase;
      const out: Slot[] = new Array(n);
      for (let j = 0; j < n; j++) out[j] = this.vstk[vbase + j];
      this.vsp = vbase;
      return out;
    }
    if (c === '"') return this.string();
    if (s.startsWith("true", this.i)) {
      this.i += 4;
      return true;
    }
    if (s.startsWith("false", this.i)) {
      this.i += 5;
      return false;
    }
    if (s.startsWith("null", this.i)) {
      this.i += 4;
      return null;
    }
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const start = this.i;
    let j = start;
    if (s.charCodeAt(j) === 45) j++;
    const d0 = j;
    if (s.charCodeAt(j) === 48) j++;
    else while (isDigit(s.charCodeAt(j))) j++;
    if (j === d0) this.fail();
    let isInt = true;
    if (s.charCodeAt(j) === 46 && isDigit(s.charCodeAt(j + 1))) {
      isInt = false;
      j += 2;
      while (isDigit(s.charCodeAt(j))) j++;
    }
    const e = s.charCodeAt(j);
    if (e === 101 || e === 69) {
      let k = j + 1;
      const sign = s.charCodeAt(k);
      if (sign === 43 || sign === 45) k++;
      if (isDigit(s.charCodeAt(k))) {
        isInt = false;
        j = k + 1;
        while (isDigit(s.charCodeAt(j))) j++;
      }
    }
    this.i = j;
    const text = s.slice(start, j);
    if (isInt) {
      const n = Number(text);
      if (Number.isSafeInteger(n)) return n;
      const b = BigInt(text);
      if (b > INT64_MAX || b < INT64_MIN) {
        if (b > INT64_MAX && b <= (1n << 64n) - 1n)
          throwEval(`unsigned json number ${text} outside of Nix integer range`);
        return new NixFloat(Number(text));
      }
      return normInt(b);
    }
    return new NixFloat(Number(text));
  }
  string(): string {
    const s = this.s;
    this.i++;
    let out = "";
    for (;;) {
      // Copy the run up to the next quote or backslash in one slice.
      let j = this.i;
      while (j < s.length) {
        const cc = s.charCodeAt(j);
        if (cc === 34 || cc === 92) break;
        j++;
      }
      if (j > this.i) {
        out += s.slice(this.i, j);
        this.i = j;
      }
      if (this.i >= s.length) this.fail("unterminated string");
      const c = s[this.i++];
      if (c === '"') return out;
      if (c === "\\") {
        const e = s[this.i++];
        switch (e) {
          case '"':
          case "\\":
          case "/":
            out += e;
            break;
          case "n":
            out += "\n";
            break;
          case "t":
            out += "\t";
            break;
          case "r":
            out += "\r";
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "u": {
            let cp = Number.parseInt(s.slice(this.i, this.i + 4), 16);
            this.i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && s.startsWith("\\u", this.i)) {
              const lo = Number.parseInt(s.slice(this.i + 2, this.i + 6), 16);
              this.i += 6;
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            out += utf8(cp);
            break;
          }
          default:
            this.fail("invalid escape");
        }
      } else out += c;
    }
  }
}

function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  if (cp < 0x10000)
    return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  return String.fromCharCode(
    0xf0 | (cp >> 18),
    0x80 | ((cp >> 12) & 63),
    0x80 | ((cp >> 6) & 63),
    0x80 | (cp & 63),
  );
}

export function fromJSON(text: string): Value {
  const fast = nativeFromJSON(text);
  if (fast !== undefined) return fast;
  return parseJSON(text);
}

/** fromJSON by our own parser (CppNix's errors); exported for tests. */
export function parseJSON(text: string): Value {
  const p = new JsonParser(text);
  const v = p.value(0);
  p.ws();
  if (p.i !== text.length) p.fail("unexpected trailing input");
  return v;
}

/** Something that could be a number with a fraction or an exponent (or a string's text). */
const MAYBE_FLOAT = /[0-9][.eE][-+0-9]/;
/** Objects of one shape share their sorted keys array (a few recent shapes are remembered). */
type KeyCache = { names: string[]; sorted: string[] }[];

/**
 * JSON.parse when its result is exactly ours: no `\u` escapes (which JSON.parse decodes to
 * UTF-16 while Nix wants the UTF-8 bytes; raw bytes come through unchanged, as latin1 chars),
 * no number that could be a float (JSON.parse forgets `1.0` from `1`), and every number a safe
 * integer. Otherwise, or if JSON.parse rejects the text (the error is then ours), undefined.
 */
function nativeFromJSON(text: string): Value | undefined {
  if (text.length < 64 || text.includes("\\u") || MAYBE_FLOAT.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const cache: KeyCache = [];
  const conv = (x: unknown): Value | undefined => {
    if (typeof x === "number") return Number.isSafeInteger(x) ? x : undefined;
    if (typeof x !== "object" || x === null) return x as Value;
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const e = x[i];
        if (typeof e === "object" && e !== null) {
          const c = conv(e);
          if (c === undefined) return undefined;
          x[i] = c;
        } else if (typeof e === "number" && !Number.isSafeInteger(e)) return undefined;
      }
      return x;
    }
    const o = x as Record<string, unknown>;
    const names = Object.keys(o);
    const n = names.length;
    if (n === 0) return NixAttrs.EMPTY;
    let shape: KeyCache[number] | undefined;
    outer: for (const c of cache) {
      if (c.names.length !== n) continue;
      for (let i = 0; i < n; i++) if (c.names[i] !== names[i]) continue outer;
      shape = c;
      break;
    }
    if (shape === undefined) {
      shape = { names, sorted: names.slice().sort(cmpBytes) };
      if (cache.length >= 4) cache.shift();
      cache.push(shape);
    }
    const values: Slot[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = conv(o[shape.sorted[i]]);
      if (v === undefined) return undefined;
      values[i] = v;
    }
    return new NixAttrs(shape.sorted, values, null);
  };
  return conv(parsed);
}

registerBuiltin("fromJSON", 1, (v: Slot) => fromJSON(forceString(v)));

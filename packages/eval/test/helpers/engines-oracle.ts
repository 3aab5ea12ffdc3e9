/**
 * Test helpers for the engine differential tests: writing byte strings as Nix string literals,
 * running one batched `nix-instantiate --eval --strict`, and parsing the printed value back.
 * All strings are latin1 byte strings (one code unit per byte).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../../test-support/index.ts";

/** A Nix value as printed by `nix-instantiate --eval --strict`. */
export type NixValue =
  | null
  | boolean
  | { int: bigint }
  | { float: string }
  | string
  | NixValue[]
  | { attrs: Map<string, NixValue> };

/** A Nix double-quoted string literal with exactly the bytes of `s` (no NUL allowed). */
export function nixStr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\0") throw new Error("NUL cannot be written in a Nix string");
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "$" && s[i + 1] === "{") out += "\\$";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else out += c;
  }
  return `${out}"`;
}

export interface NixRun {
  ok: boolean;
  /** stdout as latin1 */
  out: string;
  err: string;
}

/** Evaluates `expr` (latin1 bytes) from a file, strictly; extra args e.g. experimental flags. */
export function nixEval(expr: string, extra: string[] = []): NixRun {
  const dir = mkdtempSync(join(tmpdir(), "tvix-engines-"));
  try {
    const f = join(dir, "e.nix");
    writeFileSync(f, Buffer.from(expr, "latin1"));
    const r = run("nix-instantiate", ["--eval", "--strict", ...extra, f]);
    return { ok: r.status === 0, out: r.stdout.toString("latin1"), err: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses the printed form of a value (strings, lists, sets, ints, floats, bools, null). */
export function parseNix(text: string): NixValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const ident = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_'-]*/.exec(text.slice(i));
    if (!m) throw new Error(`parseNix: identifier expected at ${i}: ${text.slice(i, i + 30)}`);
    i += m[0].length;
    return m[0];
  };
  const str = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      const c = text[i++];
      if (c === undefined) throw new Error("parseNix: unterminated string");
      if (c === '"') return out;
      if (c === "\\") {
        const d = text[i++];
        out += d === "n" ? "\n" : d === "r" ? "\r" : d === "t" ? "\t" : d;
      } else out += c;
    }
  };
  const value = (): NixValue => {
    ws();
    const c = text[i];
    if (c === "[") {
      i++;
      const items: NixValue[] = [];
      for (;;) {
        ws();
        if (text[i] === "]") {
          i++;
          return items;
        }
        items.push(value());
      }
    }
    if (c === "{") {
      i++;
      const attrs = new Map<string, NixValue>();
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          return { attrs };
        }
        const k = text[i] === '"' ? str() : ident();
        ws();
        if (text[i++] !== "=") throw new Error(`parseNix: '=' expected at ${i}`);
        attrs.set(k, value());
        ws();
        if (text[i++] !== ";") throw new Error(`parseNix: ';' expected at ${i}`);
      }
    }
    if (c === '"') return str();
    const sp = /^-?(?:inf|nan)/.exec(text.slice(i, i + 4));
    if (sp) {
      i += sp[0].length;
      return { float: sp[0] };
    }
    const m = /^-?[0-9][0-9.e+-]*/.exec(text.slice(i));
    if (m) {
      i += m[0].length;
      // Floats print without a point when integral ("1", "-0"); "-0" can only be a float.
      return /[.e]/.test(m[0]) || m[0] === "-0" ? { float: m[0] } : { int: BigInt(m[0]) };
    }
    const w = ident();
    if (w === "null") return null;
    if (w === "true") return true;
    if (w === "false") return false;
    throw new Error(`parseNix: unexpected ${w}`);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`parseNix: trailing text at ${i}`);
  return v;
}

/** Deterministic PRNG (mulberry32) so differential tests are reproducible from a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Compact rendering for failure messages. */
export function show(v: NixValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[ ${v.map(show).join(" ")} ]`;
  if ("int" in v) return String(v.int);
  if ("float" in v) return v.float;
  const sorted = [...v.attrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{ ${sorted.map(([k, x]) => `${JSON.stringify(k)} = ${show(x)};`).join(" ")} }`;
}

/**
 * A double as C++ `ostream << double` prints it with the default precision (`%g`, 6
 * significant digits), which is how Nix 2.8 prints floats: `1e+06`, `3.1415`, `-0`, `inf`.
 */
export function formatFloatG(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const e = x.toExponential(5);
  const [mant, expStr] = e.split("e");
  const exp = Number(expStr);
  const strip = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    const digits = String(Math.abs(exp)).padStart(2, "0");
    return `${strip(mant)}e${sign}${digits}`;
  }
  return strip(x.toFixed(5 - exp));
}

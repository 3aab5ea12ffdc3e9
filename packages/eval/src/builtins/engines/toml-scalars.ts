/**
 * Scalar pieces of TOML 1.0: integers, floats, dates and times, and UTF-8 checks, all on
 * latin1 byte strings. Each reader returns the value and the index after it, or a string
 * describing why the text is malformed (the parser turns it into a positioned TomlError).
 */
import type { TomlDateTime, TomlDateTimeType, TomlFloat } from "./toml-types.ts";

export type Read<T> =
  | { ok: true; value: T; end: number }
  | { ok: false; reason: string; at: number };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** Characters that can belong to a number token (the rest of the line decides the end). */
function isNumberChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f || // _
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e // .
  );
}

// Grammar of TOML 1.0 numbers (ABNF in the spec), applied to a whole token. An underscore
// must sit between two digits; decimal integers have no leading zero; prefixed integers have
// no sign; the exponent may have leading zeros.
const DEC_INT = /^[+-]?(?:0|[1-9](?:_?[0-9])*)$/;
const HEX_INT = /^0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*$/;
const OCT_INT = /^0o[0-7](?:_?[0-7])*$/;
const BIN_INT = /^0b[01](?:_?[01])*$/;
const FLOAT =
  /^[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[eE][+-]?[0-9](?:_?[0-9])*)$/;
const SPECIAL = /^[+-]?(?:inf|nan)$/;

export type NumberValue = { kind: "integer"; value: bigint } | TomlFloat;

/** Reads an integer or float starting at `i`. */
export function readNumber(s: string, i: number): Read<NumberValue> {
  let j = i;
  while (j < s.length && isNumberChar(s.charCodeAt(j))) j++;
  const tok = s.slice(i, j);
  if (SPECIAL.test(tok)) {
    const neg = tok[0] === "-";
    if (tok.endsWith("nan")) {
      const value: TomlFloat = neg
        ? { kind: "float", value: Number.NaN, negativeNan: true }
        : { kind: "float", value: Number.NaN };
      return { ok: true, value, end: j };
    }
    const v = neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    return { ok: true, value: { kind: "float", value: v }, end: j };
  }
  const digits = tok.replaceAll("_", "");
  let big: bigint | undefined;
  if (DEC_INT.test(tok)) big = BigInt(digits);
  else if (HEX_INT.test(tok) || OCT_INT.test(tok) || BIN_INT.test(tok)) big = BigInt(digits);
  if (big !== undefined) {
    // TOML requires an error for integers that do not fit (CppNix 2.8's toml11 clamped them).
    if (big < INT64_MIN || big > INT64_MAX) {
      return { ok: false, reason: "integer out of the signed 64-bit range", at: i };
    }
    return { ok: true, value: { kind: "integer", value: big }, end: j };
  }
  if (FLOAT.test(tok)) {
    const v = Number(digits);
    // Out-of-range floats are rejected like toml11 4 does (2.8's toml11 gave ±DBL_MAX);
    // underflow silently becomes 0 or a subnormal in both.
    if (!Number.isFinite(v)) return { ok: false, reason: "float out of range", at: i };
    return { ok: true, value: { kind: "float", value: v }, end: j };
  }
  return { ok: false, reason: `invalid number '${tok}'`, at: i };
}

/** Does a date (YYYY-MM-DD) start at `i`? */
export function looksLikeDate(s: string, i: number): boolean {
  return (
    isDigitAt(s, i) &&
    isDigitAt(s, i + 1) &&
    isDigitAt(s, i + 2) &&
    isDigitAt(s, i + 3) &&
    s[i + 4] === "-"
  );
}

/** Does a time (HH:MM) start at `i`? */
export function looksLikeTime(s: string, i: number): boolean {
  return isDigitAt(s, i) && isDigitAt(s, i + 1) && s[i + 2] === ":";
}

function digitsAt(s: string, i: number, n: number): number {
  for (let k = 0; k < n; k++) if (!isDigitAt(s, i + k)) return -1;
  return Number(s.slice(i, i + n));
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

interface TimeParts {
  text: string;
  end: number;
}

function readTime(s: string, i: number): Read<TimeParts> {
  const h = digitsAt(s, i, 2);
  const m = s[i + 2] === ":" ? digitsAt(s, i + 3, 2) : -1;
  const sec = s[i + 5] === ":" ? digitsAt(s, i + 6, 2) : -1;
  if (h < 0 || m < 0 || sec < 0) {
    return { ok: false, reason: "invalid time (expected HH:MM:SS)", at: i };
  }
  // RFC 3339 allows a leap second (60), and so does toml11.
  if (h > 23 || m > 59 || sec > 60) return { ok: false, reason: "time out of range", at: i };
  let j = i + 8;
  let text = `${s.slice(i, i + 8)}`;
  if (s[j] === ".") {
    let k = j + 1;
    while (isDigitAt(s, k)) k++;
    if (k === j + 1) return { ok: false, reason: "missing digits after '.' in time", at: j };
    text += canonicalFraction(s.slice(j + 1, k));
    j = k;
  }
  return { ok: true, value: { text, end: j }, end: j };
}

/**
 * toml11 keeps milli-, micro- and nanoseconds (the first nine digits, zero-padded) and prints
 * milliseconds, then microseconds if they or the nanoseconds are non-zero, then nanoseconds if
 * non-zero; all zero prints no fraction at all.
 */
function canonicalFraction(digits: string): string {
  const nine = `${digits}000000000`.slice(0, 9);
  const ms = nine.slice(0, 3);
  const us = nine.slice(3, 6);
  const ns = nine.slice(6, 9);
  if (nine === "000000000") return "";
  if (us === "000" && ns === "000") return `.${ms}`;
  if (ns === "000") return `.${ms}${us}`;
  return `.${ms}${us}${ns}`;
}

/** Reads an offset/local date-time, a local date or a local time at `i`. */
export function readDateTime(s: string, i: number): Read<TomlDateTime> {
  if (looksLikeTime(s, i)) {
    const t = readTime(s, i);
    if (!t.ok) return t;
    return done("local-time", s, i, t.end, t.value.text);
  }
  const y = digitsAt(s, i, 4);
  const mo = s[i + 4] === "-" ? digitsAt(s, i + 5, 2) : -1;
  const d = s[i + 7] === "-" ? digitsAt(s, i + 8, 2) : -1;
  if (y < 0 || mo < 0 || d < 0)
    return { ok: false, reason: "invalid date (expected YYYY-MM-DD)", at: i };
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    return { ok: false, reason: "date out of range", at: i };
  }
  const date = s.slice(i, i + 10);
  let j = i + 10;
  const sep = s[j];
  // `T`/`t` always introduce a time; a space only when a time follows it.
  const timeFollows =
    sep === "T" || sep === "t" || (sep === " " && looksLikeTime(s, j + 1) && isDigitAt(s, j + 4));
  if (!timeFollows) return done("local-date", s, i, j, date);
  const t = readTime(s, j + 1);
  if (!t.ok) return t;
  j = t.end;
  const local = `${date}T${t.value.text}`;
  const o = s[j];
  if (o === "Z" || o === "z") return done("offset-datetime", s, i, j + 1, `${local}Z`);
  if (o === "+" || o === "-") {
    const oh = digitsAt(s, j + 1, 2);
    const om = s[j + 3] === ":" ? digitsAt(s, j + 4, 2) : -1;
    if (oh < 0 || om < 0) return { ok: false, reason: "invalid time offset", at: j };
    if (oh > 23 || om > 59) return { ok: false, reason: "time offset out of range", at: j };
    const zero = oh === 0 && om === 0;
    const off = zero ? "Z" : s.slice(j, j + 6);
    return done("offset-datetime", s, i, j + 6, `${local}${off}`);
  }
  return done("local-datetime", s, i, j, local);
}

function done(
  type: TomlDateTimeType,
  s: string,
  i: number,
  end: number,
  value: string,
): Read<TomlDateTime> {
  return { ok: true, value: { kind: "datetime", type, text: s.slice(i, end), value }, end };
}

/**
 * Length of the well-formed UTF-8 sequence starting at `i` (whose first byte is >= 0x80), or 0
 * when it is not well-formed (overlong forms, surrogates, > U+10FFFF, truncation).
 */
export function utf8SeqLength(s: string, i: number): number {
  const b0 = s.charCodeAt(i);
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = s.charCodeAt(i + k);
    return b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** UTF-8 bytes (latin1 byte string) of a Unicode scalar value. */
export function utf8Encode(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) {
    return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return String.fromCharCode(
    0xf0 | (cp >> 18),
    0x80 | ((cp >> 12) & 0x3f),
    0x80 | ((cp >> 6) & 0x3f),
    0x80 | (cp & 0x3f),
  );
}

/**
 * `builtins.splitVersion`, `builtins.compareVersions` and `builtins.parseDrvName`, as CppNix
 * computes them, on latin1 byte strings. Character tests are the C locale's: only ASCII digits
 * are digits and only ASCII letters are letters (bytes >= 0x80 are neither).
 */

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The component of `v` starting at or after `pos` (after skipping `.` and `-` separators):
 * a maximal run of digits, or a maximal run of other non-separator bytes. Returns the
 * component ("" at the end) and the position after it.
 */
function nextComponent(v: string, pos: number): [string, number] {
  while (pos < v.length && (v[pos] === "." || v[pos] === "-")) pos++;
  if (pos >= v.length) return ["", pos];
  const start = pos;
  if (isDigit(v.charCodeAt(pos))) {
    while (pos < v.length && isDigit(v.charCodeAt(pos))) pos++;
  } else {
    while (pos < v.length && !isDigit(v.charCodeAt(pos)) && v[pos] !== "." && v[pos] !== "-") pos++;
  }
  return [v.slice(start, pos), pos];
}

/** `splitVersion "1.2.3pre4-alpha"` = ["1" "2" "3" "pre" "4" "alpha"]. */
export function splitVersion(v: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < v.length) {
    const [c, next] = nextComponent(v, pos);
    if (c === "") break;
    out.push(c);
    pos = next;
  }
  return out;
}

const INT_MAX = 2147483647;

/**
 * A component's numeric value, or undefined when it is not a number. CppNix parses components
 * as a C `int`: an all-digit component above 2147483647 does not parse, and then compares
 * like a word (so "99999999999" < "1"; oracle).
 */
function asInt(c: string): number | undefined {
  if (c.length === 0 || !isDigit(c.charCodeAt(0))) return undefined;
  let n = 0;
  for (let i = 0; i < c.length; i++) {
    n = n * 10 + (c.charCodeAt(i) - 0x30);
    if (n > INT_MAX) return undefined;
  }
  return n;
}

function componentLess(c1: string, c2: string): boolean {
  const n1 = asInt(c1);
  const n2 = asInt(c2);
  if (n1 !== undefined && n2 !== undefined) return n1 < n2;
  if (c1 === "" && n2 !== undefined) return true;
  if (c1 === "pre" && c2 !== "pre") return true; // "pre" is below everything, even ""
  if (c2 === "pre") return false;
  if (n2 !== undefined) return true; // a word is below a number: 2.3a < 2.3.1
  if (n1 !== undefined) return false;
  return c1 < c2; // bytewise; latin1 code units compare like unsigned bytes
}

/** -1, 0 or 1, walking both versions component by component ("" past the end). */
export function compareVersions(v1: string, v2: string): -1 | 0 | 1 {
  let p1 = 0;
  let p2 = 0;
  while (p1 < v1.length || p2 < v2.length) {
    const [c1, n1] = nextComponent(v1, p1);
    const [c2, n2] = nextComponent(v2, p2);
    p1 = n1;
    p2 = n2;
    if (componentLess(c1, c2)) return -1;
    if (componentLess(c2, c1)) return 1;
  }
  return 0;
}

/**
 * Splits at the first `-` that is followed by a byte that is not an ASCII letter:
 * "nix-0.12pre1" -> { name: "nix", version: "0.12pre1" }; "a-" has no version; "foo-é" does
 * split (0xc3 is not a letter in the C locale).
 */
export function parseDrvName(s: string): { name: string; version: string } {
  for (let i = 0; i + 1 < s.length; i++) {
    if (s[i] === "-" && !isAlpha(s.charCodeAt(i + 1))) {
      return { name: s.slice(0, i), version: s.slice(i + 1) };
    }
  }
  return { name: s, version: "" };
}

/**
 * How CppNix prints literals: floats as C++ `ostream << double` (`%g`, 6 significant digits),
 * strings with `printLiteralString`, attribute names with `printIdentifier`. Shared by the
 * `--parse` printer and (later) the value printer.
 */

const RESERVED = new Set(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit"]);

/** CppNix's keywords that cannot be bare attribute names (`or` is not among them). */
export function isReservedKeyword(s: string): boolean {
  return RESERVED.has(s);
}

/**
 * A byte string as a Nix string literal. `"` and `\` are escaped, LF CR TAB become `\n` `\r` `\t`,
 * and `$` is escaped when it starts `${` (Nix 2.8 escaped every `$`: `dollarAlways`).
 * Other bytes are written raw.
 */
export function printLiteralString(s: string, dollarAlways = false): string {
  // Fast path: nothing to escape.
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92 || c === 10 || c === 13 || c === 9 || c === 36) break;
  }
  if (i === n) return `"${s}"`;
  let out = `"${s.slice(0, i)}`;
  let run = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = "\\\\";
    else if (c === 10) esc = "\\n";
    else if (c === 13) esc = "\\r";
    else if (c === 9) esc = "\\t";
    else if (c === 36 && (dollarAlways || s.charCodeAt(i + 1) === 123)) esc = "\\$";
    if (esc !== null) {
      out += s.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return `${out}${s.slice(run)}"`;
}

/**
 * An attribute name: bare when it is an identifier and not a keyword, else a string literal.
 * `nix28` reproduces Nix 2.8, which quoted only the keyword `if` and escaped every `$`.
 */
export function printIdentifier(s: string, nix28 = false): string {
  if (s.length === 0) return '""';
  if (nix28 ? s === "if" : RESERVED.has(s)) return `"${s}"`;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90) || c0 === 95))
    return printLiteralString(s, nix28);
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      !(
        (c >= 97 && c <= 122) ||
        (c >= 65 && c <= 90) ||
        (c >= 48 && c <= 57) ||
        c === 95 ||
        c === 39 ||
        c === 45
      )
    )
      return printLiteralString(s, nix28);
  }
  return s;
}

/**
 * `printf("%g")` with precision 6, as `std::ostream << double` prints: 6 significant digits,
 * trailing zeros removed, exponent form (`1e+06`, `1.5e-07`) when the exponent is < -4 or >= 6.
 * Rounding is exact (round-half-even on the binary value), like glibc.
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? "-nan" : "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const neg = x < 0;
  const [digits, exp10] = roundSignificant(Math.abs(x), 6);
  let out: string;
  if (exp10 < -4 || exp10 >= 6) {
    let m = digits.slice(0, 1);
    const frac = digits.slice(1).replace(/0+$/, "");
    if (frac) m += `.${frac}`;
    const e = Math.abs(exp10);
    out = `${m}e${exp10 < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  } else if (exp10 >= 0) {
    const int = digits.slice(0, exp10 + 1);
    const frac = digits.slice(exp10 + 1).replace(/0+$/, "");
    out = frac ? `${int}.${frac}` : int;
  } else {
    const frac = ("0".repeat(-exp10 - 1) + digits).replace(/0+$/, "");
    out = `0.${frac}`;
  }
  return neg ? `-${out}` : out;
}

/**
 * The first `n` significant decimal digits of positive finite `x`, correctly rounded
 * (half to even on the exact binary value), and the decimal exponent of the first digit.
 */
function roundSignificant(x: number, n: number): [string, number] {
  // JS rounds to nearest exactly, except that it breaks ties upwards where printf rounds them
  // to even. A tie needs digit n+1 to be a 5 (followed by zeros): only then take the exact path.
  const e1 = x.toExponential(n);
  if (e1.charCodeAt(n + 1) !== 53) {
    const e0 = x.toExponential(n - 1);
    const ePos = e0.indexOf("e");
    const digits = n > 1 ? e0[0] + e0.slice(2, ePos) : e0[0];
    return [digits, Number(e0.slice(ePos + 1))];
  }
  const [digits, pointPos] = exactDecimal(x);
  // digits: exact decimal digits without leading zeros; value = 0.digits * 10^pointPos
  let exp10 = pointPos - 1;
  if (digits.length <= n) return [digits.padEnd(n, "0"), exp10];
  let head = digits.slice(0, n);
  const next = digits.charCodeAt(n) - 48;
  const restNonZero = /[1-9]/.test(digits.slice(n + 1));
  const roundUp =
    next > 5 || (next === 5 && (restNonZero || (head.charCodeAt(n - 1) - 48) % 2 === 1));
  if (roundUp) {
    const bumped = (BigInt(head) + 1n).toString();
    if (bumped.length > n) {
      head = bumped.slice(0, n);
      exp10++;
    } else head = bumped;
  }
  return [head, exp10];
}

/** Exact decimal expansion of a positive finite double: significant digits and point position. */
function exactDecimal(x: number): [string, number] {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let intDigits: string;
  let scale: number; // value = intDigits * 10^-scale
  if (e2 >= 0) {
    intDigits = (mant << BigInt(e2)).toString();
    scale = 0;
  } else {
    // mant / 2^k = mant * 5^k / 10^k
    intDigits = (mant * 5n ** BigInt(-e2)).toString();
    scale = -e2;
  }
  const stripped = intDigits.replace(/^0+/, "");
  const pointPos = stripped.length - scale;
  return [stripped.replace(/0+$/, "") || "0", pointPos];
}

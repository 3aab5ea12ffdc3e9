/**
 * Byte classification as CppNix's regexes see it.
 *
 * CppNix builds `std::regex` with the default-constructed (global) C++ locale, which Nix never
 * changes, so every class test uses the classic "C" locale: only ASCII bytes belong to any
 * class, and bytes >= 0x80 belong to none (confirmed with the oracle: `[[:alpha:]]` does not
 * match the bytes of "é"). Class names are looked up case-insensitively, and libstdc++ adds the
 * names `d`, `s` and `w` (digit, space, alnum plus `_`).
 */

/** Bit masks for the C-locale classes (our own numbering; only used inside this engine). */
export const CT_UPPER = 1 << 0;
export const CT_LOWER = 1 << 1;
export const CT_DIGIT = 1 << 2;
export const CT_XDIGIT = 1 << 3;
export const CT_SPACE = 1 << 4;
export const CT_PRINT = 1 << 5;
export const CT_GRAPH = 1 << 6;
export const CT_CNTRL = 1 << 7;
export const CT_PUNCT = 1 << 8;
export const CT_BLANK = 1 << 9;
export const CT_ALPHA = 1 << 10;
export const CT_ALNUM = 1 << 11;
/** Not a ctype class: the extra `_` that `[[:w:]]` accepts. */
export const CT_UNDERSCORE = 1 << 12;

/** The class bits of each byte in the "C" locale. */
const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let c = 0; c < 128; c++) {
    let m = 0;
    const upper = c >= 0x41 && c <= 0x5a;
    const lower = c >= 0x61 && c <= 0x7a;
    const digit = c >= 0x30 && c <= 0x39;
    if (upper) m |= CT_UPPER;
    if (lower) m |= CT_LOWER;
    if (upper || lower) m |= CT_ALPHA;
    if (digit) m |= CT_DIGIT;
    if (upper || lower || digit) m |= CT_ALNUM;
    if (digit || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)) m |= CT_XDIGIT;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) m |= CT_SPACE;
    if (c === 0x20 || c === 0x09) m |= CT_BLANK;
    if (c >= 0x20 && c <= 0x7e) m |= CT_PRINT;
    if (c >= 0x21 && c <= 0x7e) m |= CT_GRAPH;
    if (c < 0x20 || c === 0x7f) m |= CT_CNTRL;
    if (c >= 0x21 && c <= 0x7e && !(upper || lower || digit)) m |= CT_PUNCT;
    t[c] = m;
  }
  return t;
})();

/** Does byte `b` belong to any class in `mask`? */
export function isClass(b: number, mask: number): boolean {
  if (TABLE[b] & mask) return true;
  return (mask & CT_UNDERSCORE) !== 0 && b === 0x5f;
}

/** Byte is an ASCII decimal digit (what the brace scanner accepts as a count digit). */
export function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** C-locale tolower: only ASCII letters change. */
export function toLower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

const CLASS_NAMES: ReadonlyMap<string, number> = new Map([
  ["d", CT_DIGIT],
  ["w", CT_ALNUM | CT_UNDERSCORE],
  ["s", CT_SPACE],
  ["alnum", CT_ALNUM],
  ["alpha", CT_ALPHA],
  ["blank", CT_BLANK],
  ["cntrl", CT_CNTRL],
  ["digit", CT_DIGIT],
  ["graph", CT_GRAPH],
  ["lower", CT_LOWER],
  ["print", CT_PRINT],
  ["punct", CT_PUNCT],
  ["space", CT_SPACE],
  ["upper", CT_UPPER],
  ["xdigit", CT_XDIGIT],
]);

/**
 * Mask for a `[:name:]` class, or 0 when the name is unknown (an invalid regex). The name is
 * lower-cased bytewise first, so `[[:ALPHA:]]` is accepted.
 */
export function lookupClassName(name: string): number {
  let lower = "";
  for (let i = 0; i < name.length; i++) lower += String.fromCharCode(toLower(name.charCodeAt(i)));
  return CLASS_NAMES.get(lower) ?? 0;
}

/**
 * The POSIX portable character-set names, index = byte value (0..127). A `[.name.]` collating
 * symbol or `[=name=]` equivalence class is valid only when its text is exactly one of these
 * (case-sensitive): `[[.a.]]` and `[[.space.]]` work, `[[.-.]]` and `[[.0.]]` are errors
 * (checked against the oracle).
 */
const COLLATE_NAMES: readonly string[] = [
  "NUL",
  "SOH",
  "STX",
  "ETX",
  "EOT",
  "ENQ",
  "ACK",
  "alert",
  "backspace",
  "tab",
  "newline",
  "vertical-tab",
  "form-feed",
  "carriage-return",
  "SO",
  "SI",
  "DLE",
  "DC1",
  "DC2",
  "DC3",
  "DC4",
  "NAK",
  "SYN",
  "ETB",
  "CAN",
  "EM",
  "SUB",
  "ESC",
  "IS4",
  "IS3",
  "IS2",
  "IS1",
  "space",
  "exclamation-mark",
  "quotation-mark",
  "number-sign",
  "dollar-sign",
  "percent-sign",
  "ampersand",
  "apostrophe",
  "left-parenthesis",
  "right-parenthesis",
  "asterisk",
  "plus-sign",
  "comma",
  "hyphen",
  "period",
  "slash",
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "colon",
  "semicolon",
  "less-than-sign",
  "equals-sign",
  "greater-than-sign",
  "question-mark",
  "commercial-at",
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  "left-square-bracket",
  "backslash",
  "right-square-bracket",
  "circumflex",
  "underscore",
  "grave-accent",
  ..."abcdefghijklmnopqrstuvwxyz",
  "left-curly-bracket",
  "vertical-line",
  "right-curly-bracket",
  "tilde",
  "DEL",
];

const COLLATE_INDEX: ReadonlyMap<string, number> = new Map(COLLATE_NAMES.map((n, i) => [n, i]));

/** Byte named by a collating-element name, or -1 when the name is not valid. */
export function lookupCollateName(name: string): number {
  return COLLATE_INDEX.get(name) ?? -1;
}

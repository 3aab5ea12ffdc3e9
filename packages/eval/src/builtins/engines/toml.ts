/**
 * TOML 1.0 parser for `builtins.fromTOML`, on byte strings.
 *
 * The input is a latin1 byte string (a Nix string). It must be well-formed UTF-8: bytes
 * >= 0x80 may only appear inside strings and comments, where each sequence is checked (overlong
 * forms and surrogates are errors), and string values keep their UTF-8 bytes unchanged. A
 * leading byte-order mark is skipped, as toml11 does.
 *
 * CppNix parses with toml11. This parser follows the TOML 1.0 specification, which is what
 * current CppNix (toml11 4) implements. Nix 2.8's bundled toml11 3.7 differs in a few corners,
 * all of which are errors here: it clamps out-of-range integers to the int64 limits and
 * floats to ±DBL_MAX, and it accepts a `[table]` header for a table that dotted keys already
 * defined (`a.b = 1` then `[a]`), while it rejects the valid `[[a.b]]` followed by `[a]`.
 *
 * Multi-line strings keep CRLF line breaks as written (toml11 does not normalise them).
 * Dates and times are returned as `datetime` leaves; whether they are an error is the caller's
 * choice (CppNix: "Dates and times are not supported" unless `parse-toml-timestamps`).
 */
import {
  looksLikeDate,
  looksLikeTime,
  readDateTime,
  readNumber,
  utf8Encode,
  utf8SeqLength,
} from "./toml-scalars.ts";
import {
  appendTable,
  defineTable,
  finish,
  freeze,
  insertKeyValue,
  RuleError,
  TArray,
  type TNode,
  TTable,
} from "./toml-tables.ts";
import { TomlError, type TomlTable } from "./toml-types.ts";

export * from "./toml-types.ts";

/** Arrays and inline tables nested deeper than this are rejected instead of overflowing. */
export const MAX_NESTING = 1000;

/** Parses a TOML document (latin1 byte string) into a table, or throws a TomlError. */
export function parseToml(input: string): TomlTable {
  for (let i = 0; i < input.length; i++) {
    if (input.charCodeAt(i) > 0xff) throw new TypeError("parseToml: input is not a byte string");
  }
  return new Parser(input).document();
}

class Parser {
  private readonly s: string;
  private i = 0;
  private readonly root = new TTable();
  private scopes = 0;
  private depth = 0;

  constructor(s: string) {
    this.s = s;
    if (s.startsWith("\xef\xbb\xbf")) this.i = 3;
  }

  // -- errors and positions --

  private fail(reason: string, at = this.i): never {
    const s = this.s;
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < at && k < s.length; k++) {
      if (s.charCodeAt(k) === 0x0a) {
        line++;
        lineStart = k + 1;
      }
    }
    // Columns count characters: skip UTF-8 continuation bytes.
    let column = 1;
    for (let k = lineStart; k < at && k < s.length; k++) {
      const b = s.charCodeAt(k);
      if (b < 0x80 || b >= 0xc0) column++;
    }
    throw new TomlError(reason, line, column);
  }

  private rule<T>(at: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof RuleError) this.fail(e.reason, at);
      throw e;
    }
  }

  // -- whitespace, comments, newlines --

  private skipWs(): void {
    const s = this.s;
    while (this.i < s.length && (s[this.i] === " " || s[this.i] === "\t")) this.i++;
  }

  /** A comment runs to the end of the line; control characters other than tab are errors. */
  private comment(): void {
    const s = this.s;
    this.i++; // '#'
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x0a || (c === 0x0d && s.charCodeAt(this.i + 1) === 0x0a)) return;
      if (c >= 0x80) {
        const n = utf8SeqLength(s, this.i);
        if (n === 0) this.fail("invalid UTF-8 in comment");
        this.i += n;
        continue;
      }
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) this.fail("control character in comment");
      this.i++;
    }
  }

  /** Consumes LF or CRLF; false if there is no newline here. */
  private newline(): boolean {
    const s = this.s;
    if (s[this.i] === "\n") {
      this.i++;
      return true;
    }
    if (s[this.i] === "\r" && s[this.i + 1] === "\n") {
      this.i += 2;
      return true;
    }
    return false;
  }

  /** Whitespace, comments and newlines (inside arrays). */
  private skipWsCommentsNewlines(): void {
    for (;;) {
      this.skipWs();
      if (this.s[this.i] === "#") this.comment();
      if (!this.newline()) return;
    }
  }

  /** After an expression: optional whitespace and comment, then a newline or the end. */
  private endOfLine(): void {
    this.skipWs();
    if (this.s[this.i] === "#") this.comment();
    if (this.i >= this.s.length) return;
    if (!this.newline()) this.fail("expected a newline after the expression");
  }

  // -- document --

  document(): TomlTable {
    const s = this.s;
    let current = this.root;
    let scope = this.scopes++;
    for (;;) {
      this.skipWs();
      if (this.i >= s.length) break;
      const c = s[this.i];
      if (c === "#") {
        this.comment();
        this.endOfLine();
      } else if (c === "\n" || c === "\r") {
        if (!this.newline()) this.fail("stray carriage return");
      } else if (c === "[") {
        const at = this.i;
        if (s[this.i + 1] === "[") {
          this.i += 2;
          const keys = this.headerKey("]]");
          current = this.rule(at, () => appendTable(this.root, keys));
        } else {
          this.i++;
          const keys = this.headerKey("]");
          current = this.rule(at, () => defineTable(this.root, keys));
        }
        scope = this.scopes++;
        this.endOfLine();
      } else {
        this.keyValue(current, scope);
        this.endOfLine();
      }
    }
    return finish(this.root) as TomlTable;
  }

  private headerKey(close: string): string[] {
    this.skipWs();
    const keys = this.key();
    this.skipWs();
    if (!this.s.startsWith(close, this.i))
      this.fail(`expected '${close}' to close the table header`);
    this.i += close.length;
    return keys;
  }

  private keyValue(scope: TTable, scopeId: number): void {
    const at = this.i;
    const keys = this.key();
    this.skipWs();
    if (this.s[this.i] !== "=") this.fail("expected '=' after the key");
    this.i++;
    this.skipWs();
    const value = this.value();
    this.rule(at, () => insertKeyValue(scope, scopeId, keys, value));
  }

  // -- keys --

  /** A simple or dotted key; each part is bare, "basic" or 'literal' (single-line only). */
  private key(): string[] {
    const keys = [this.simpleKey()];
    for (;;) {
      const save = this.i;
      this.skipWs();
      if (this.s[this.i] !== ".") {
        this.i = save;
        return keys;
      }
      this.i++;
      this.skipWs();
      keys.push(this.simpleKey());
    }
  }

  private simpleKey(): string {
    const s = this.s;
    const c = s[this.i];
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    const start = this.i;
    while (this.i < s.length && /[A-Za-z0-9_-]/.test(s[this.i])) this.i++;
    if (this.i === start) this.fail("expected a key");
    return s.slice(start, this.i);
  }

  // -- values --

  private value(): TNode {
    const s = this.s;
    const c = s[this.i];
    if (c === '"') {
      return {
        kind: "string",
        value: s.startsWith('"""', this.i) ? this.mlBasicString() : this.basicString(),
      };
    }
    if (c === "'") {
      return {
        kind: "string",
        value: s.startsWith("'''", this.i) ? this.mlLiteralString() : this.literalString(),
      };
    }
    if (c === "[") return this.nested(() => this.array());
    if (c === "{") return this.nested(() => this.inlineTable());
    if (s.startsWith("true", this.i)) {
      this.i += 4;
      return { kind: "boolean", value: true };
    }
    if (s.startsWith("false", this.i)) {
      this.i += 5;
      return { kind: "boolean", value: false };
    }
    if (looksLikeDate(s, this.i) || looksLikeTime(s, this.i)) {
      const r = readDateTime(s, this.i);
      if (!r.ok) this.fail(r.reason, r.at);
      this.i = r.end;
      return r.value;
    }
    if (c !== undefined && /[0-9+\-in]/.test(c)) {
      const r = readNumber(s, this.i);
      if (!r.ok) this.fail(r.reason, r.at);
      this.i = r.end;
      return r.value;
    }
    this.fail(
      c === undefined ? "expected a value, got the end of the document" : "expected a value",
    );
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail("arrays or inline tables nested too deeply");
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private array(): TArray {
    const arr = new TArray(false);
    this.i++; // '['
    for (;;) {
      this.skipWsCommentsNewlines();
      if (this.s[this.i] === "]") {
        this.i++;
        return arr;
      }
      arr.items.push(this.value());
      this.skipWsCommentsNewlines();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      if (this.s[this.i] === "]") {
        this.i++;
        return arr;
      }
      this.fail("expected ',' or ']' in array");
    }
  }

  /** `{ k = v, ... }` on one line, no trailing comma; complete (frozen) once closed. */
  private inlineTable(): TTable {
    const t = new TTable();
    const scopeId = this.scopes++;
    this.i++; // '{'
    this.skipWs();
    if (this.s[this.i] === "}") {
      this.i++;
      freeze(t);
      return t;
    }
    for (;;) {
      this.keyValue(t, scopeId);
      this.skipWs();
      const c = this.s[this.i];
      if (c === "}") {
        this.i++;
        freeze(t);
        return t;
      }
      if (c !== ",") this.fail("expected ',' or '}' in inline table");
      this.i++;
      this.skipWs();
    }
  }

  // -- strings --

  /**
   * One character of string content: returns its bytes (validated UTF-8 for non-ASCII), or
   * fails on control characters (anything below 0x20 except tab, and DEL).
   */
  private contentChar(what: string): string {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c >= 0x80) {
      const n = utf8SeqLength(s, this.i);
      if (n === 0) this.fail(`invalid UTF-8 in ${what}`);
      this.i += n;
      return s.slice(this.i - n, this.i);
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) this.fail(`control character in ${what}`);
    this.i++;
    return s[this.i - 1];
  }

  private escape(): string {
    const s = this.s;
    const at = this.i;
    const e = s[this.i + 1];
    this.i += 2;
    switch (e) {
      case "b":
        return "\b";
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "f":
        return "\f";
      case "r":
        return "\r";
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "u":
      case "U": {
        const n = e === "u" ? 4 : 8;
        const hex = s.slice(this.i, this.i + n);
        if (hex.length !== n || !/^[0-9A-Fa-f]+$/.test(hex)) this.fail(`invalid \\${e} escape`, at);
        const cp = Number.parseInt(hex, 16);
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
          this.fail("escape is not a Unicode scalar value", at);
        }
        this.i += n;
        return utf8Encode(cp);
      }
      default:
        this.fail("invalid escape sequence", at);
    }
  }

  private basicString(): string {
    const s = this.s;
    this.i++; // '"'
    let out = "";
    for (;;) {
      if (this.i >= s.length) this.fail("unterminated string");
      const c = s[this.i];
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\") out += this.escape();
      else if (c === "\n" || c === "\r") this.fail("newline in a single-line string");
      else out += this.contentChar("string");
    }
  }

  private literalString(): string {
    const s = this.s;
    this.i++; // "'"
    let out = "";
    for (;;) {
      if (this.i >= s.length) this.fail("unterminated string");
      const c = s[this.i];
      if (c === "'") {
        this.i++;
        return out;
      }
      if (c === "\n" || c === "\r") this.fail("newline in a single-line string");
      out += this.contentChar("string");
    }
  }

  /** Consumes the closing delimiter run: 3 quotes, or up to 2 more that belong to the content. */
  private closeRun(q: string): string | undefined {
    const s = this.s;
    if (!s.startsWith(q + q + q, this.i)) return undefined;
    let n = 3;
    while (n < 5 && s[this.i + n] === q) n++;
    if (s[this.i + n] === q) this.fail("too many quotes at the end of a multi-line string");
    this.i += n;
    return q.repeat(n - 3);
  }

  private mlBasicString(): string {
    const s = this.s;
    this.i += 3;
    this.newline(); // a newline right after the opening delimiter is trimmed
    let out = "";
    for (;;) {
      if (this.i >= s.length) this.fail("unterminated multi-line string");
      const c = s[this.i];
      if (c === '"') {
        const tail = this.closeRun('"');
        if (tail !== undefined) return out + tail;
        out += '"';
        this.i++;
      } else if (c === "\\") {
        // Line-ending backslash: `\`, optional whitespace, a newline, then all whitespace
        // and newlines up to the next other character are dropped.
        let j = this.i + 1;
        while (s[j] === " " || s[j] === "\t") j++;
        if (s[j] === "\n" || (s[j] === "\r" && s[j + 1] === "\n")) {
          this.i = j;
          this.newline();
          for (;;) {
            this.skipWs();
            if (!this.newline()) break;
          }
        } else {
          out += this.escape();
        }
      } else if (this.newline()) {
        out += c === "\r" ? "\r\n" : "\n";
      } else {
        out += this.contentChar("string");
      }
    }
  }

  private mlLiteralString(): string {
    const s = this.s;
    this.i += 3;
    this.newline();
    let out = "";
    for (;;) {
      if (this.i >= s.length) this.fail("unterminated multi-line string");
      const c = s[this.i];
      if (c === "'") {
        const tail = this.closeRun("'");
        if (tail !== undefined) return out + tail;
        out += "'";
        this.i++;
      } else if (this.newline()) {
        out += c === "\r" ? "\r\n" : "\n";
      } else {
        out += this.contentChar("string");
      }
    }
  }
}

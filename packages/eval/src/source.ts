import { bytesToByteString, utf8Encode, utf8ToByteString } from "./bytes.ts";

/** Origin names CppNix shows for expressions that are not files. */
export const ORIGIN_STRING = "«string»";
export const ORIGIN_STDIN = "«stdin»";

/** A line and column, both 1-based; the column counts bytes, as CppNix does. */
export interface LineColumn {
  line: number;
  column: number;
}

/**
 * The bytes of one Nix expression plus the name to show in messages (a file path, `«string»`,
 * `«stdin»`). Spans in the AST are byte offsets into `bytes`; line/column numbers are computed
 * only when an error is shown.
 */
export class Source {
  readonly name: string;
  readonly bytes: Uint8Array;
  #lineStarts: number[] | undefined;

  constructor(bytes: Uint8Array, name: string) {
    this.bytes = bytes;
    this.name = name;
  }

  /** A source from JS text (encoded as UTF-8), e.g. `-E EXPR`. */
  static fromText(text: string, name: string = ORIGIN_STRING): Source {
    return new Source(utf8Encode(text), name);
  }

  /**
   * Offsets where lines start. LF, CR LF and a lone CR each end a line, as in CppNix's lexer
   * location tracking (which also turns lone CRs inside strings into newlines).
   */
  lineStarts(): number[] {
    if (this.#lineStarts) return this.#lineStarts;
    const b = this.bytes;
    const starts = [0];
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (b[i + 1] === 10) i++;
        starts.push(i + 1);
      }
    }
    this.#lineStarts = starts;
    return starts;
  }

  /** Line and column of a byte offset (offsets past the end are clamped to the end). */
  position(offset: number): LineColumn {
    const starts = this.lineStarts();
    if (offset > this.bytes.length) offset = this.bytes.length;
    if (offset < 0) offset = 0;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }

  get lineCount(): number {
    return this.lineStarts().length;
  }

  /** The text of a 1-based line, without its terminator, as a byte string. */
  lineText(line: number): string {
    const starts = this.lineStarts();
    if (line < 1 || line > starts.length) return "";
    const start = starts[line - 1];
    let end = line < starts.length ? starts[line] : this.bytes.length;
    const b = this.bytes;
    if (end > start && b[end - 1] === 10) end--;
    if (end > start && b[end - 1] === 13) end--;
    return bytesToByteString(b, start, end);
  }

  /** The name as a byte string (UTF-8), for messages, which are byte strings. */
  get nameBytes(): string {
    return utf8ToByteString(this.name);
  }

  /** `name:line:column`, the way CppNix prints a position inside a message (a byte string). */
  describe(offset: number): string {
    const p = this.position(offset);
    return `${this.nameBytes}:${p.line}:${p.column}`;
  }
}

/**
 * Indentation stripping of `'' ... ''` strings, exactly as CppNix's `stripIndentation`:
 *
 * 1. The minimum indentation is the smallest count of leading spaces (tabs do not count) over the
 *    lines that contain something; whitespace-only lines are ignored, and so is a final line of
 *    only spaces. Interpolations and escapes (`''$`, `'''`, `''\x`, lone `$`/`'`) end a line's
 *    leading whitespace like text does.
 * 2. Up to that many leading spaces are dropped from each line of every literal piece (escapes
 *    included, interpolated values never).
 * 3. If the last piece is literal text whose last line holds only spaces, those spaces go.
 * 4. A single literal piece is a plain string; otherwise the pieces are concatenated (without
 *    merging adjacent literal pieces, which `--parse` shows).
 */
import { type Expr, StringInterp, StringLit } from "./ast.ts";

/** A piece of an indented string before stripping. */
export interface IndPart {
  /** The literal bytes, or null for an interpolation. */
  text: string | null;
  /** True for literal text that counts toward indentation; false for escapes. */
  indented: boolean;
  expr: Expr | null;
  start: number;
  end: number;
}

export function stripIndentation(start: number, end: number, parts: IndPart[]): Expr {
  if (parts.length === 0) return new StringLit(start, end, "");

  let atStartOfLine = true;
  let minIndent = 1000000;
  let curIndent = 0;
  for (const part of parts) {
    const s = part.text;
    if (s === null || !part.indented) {
      if (atStartOfLine) {
        atStartOfLine = false;
        if (curIndent < minIndent) minIndent = curIndent;
      }
      continue;
    }
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (atStartOfLine) {
        if (c === 32) curIndent++;
        else if (c === 10)
          curIndent = 0; // an empty line does not count
        else {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
      } else if (c === 10) {
        atStartOfLine = true;
        curIndent = 0;
      }
    }
  }

  const out: Expr[] = [];
  atStartOfLine = true;
  let curDropped = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const s = part.text;
    if (s === null) {
      atStartOfLine = false;
      curDropped = 0;
      out.push(part.expr!);
      continue;
    }
    let r = "";
    let runStart = 0;
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (atStartOfLine) {
        if (c === 32) {
          if (curDropped++ < minIndent) {
            // drop this space
            r += s.slice(runStart, j);
            runStart = j + 1;
          }
        } else if (c === 10) {
          curDropped = 0;
        } else {
          atStartOfLine = false;
          curDropped = 0;
        }
      } else if (c === 10) atStartOfLine = true;
    }
    r += s.slice(runStart);
    if (i === parts.length - 1) {
      // Remove the last line if it is empty and consists only of spaces.
      const p = r.lastIndexOf("\n");
      if (p >= 0) {
        let k = p + 1;
        while (k < r.length && r.charCodeAt(k) === 32) k++;
        if (k === r.length) r = r.slice(0, p + 1);
      }
    }
    out.push(new StringLit(part.start, part.end, r));
  }

  if (out.length === 1 && out[0].kind === 3) {
    const only = out[0] as StringLit;
    return new StringLit(start, end, only.value);
  }
  return new StringInterp(start, end, out);
}

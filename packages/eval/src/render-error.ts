/**
 * Formats a parse error as current CppNix prints errors:
 *
 *     error: undefined variable 'y'
 *            at /pwd/lang/parse-fail-undef-var.nix:1:4:
 *                 1| x: y
 *                  |    ^
 *                 2|
 *
 * The code frame shows the line before, the line, a caret under the error's first byte, and the
 * line after. The result is a byte string (source lines are shown as their raw bytes).
 */
import type { ParseError } from "./errors.ts";
import type { Source } from "./source.ts";

const INDENT = "       ";

export function renderError(source: Source, error: ParseError): string {
  const pos = source.position(error.start);
  let out = `error: ${error.message}\n${INDENT}at ${source.nameBytes}:${pos.line}:${pos.column}:\n`;
  const last = source.lineCount;
  const width = 6;
  const gutter = (n: number) => `${INDENT}${String(n).padStart(width, " ")}| `;
  if (pos.line > 1) out += trimEnd(`${gutter(pos.line - 1)}${source.lineText(pos.line - 1)}`);
  out += trimEnd(`${gutter(pos.line)}${source.lineText(pos.line)}`);
  out += `${INDENT}${" ".repeat(width)}| ${" ".repeat(pos.column - 1)}^\n`;
  if (pos.line < last) out += trimEnd(`${gutter(pos.line + 1)}${source.lineText(pos.line + 1)}`);
  return out;
}

/** Several errors, separated by blank lines. */
export function renderErrors(source: Source, errors: readonly ParseError[]): string {
  return errors.map((e) => renderError(source, e)).join("\n");
}

function trimEnd(line: string): string {
  return `${line.replace(/[ \t]+$/, "")}\n`;
}

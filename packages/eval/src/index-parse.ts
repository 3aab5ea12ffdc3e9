/** `parse` (syntax + undefined-variable check) for the evaluator, without importing index.ts. */

import type { Expr } from "./ast.ts";
import { ERR_UNDEFINED, ParseError } from "./errors.ts";
import { type ParserOptions, parseSyntax } from "./parser.ts";
import { checkScopes } from "./scope.ts";
import type { Source } from "./source.ts";

export function parse(
  source: Source,
  options: ParserOptions & { globals: (name: string) => boolean },
): { expr: Expr | null; errors: ParseError[] } {
  const { expr, errors } = parseSyntax(source, options);
  if (expr !== null && errors.length === 0) {
    checkScopes(expr, options.globals, (name, start, end) => {
      if (errors.length < 1)
        errors.push(new ParseError(ERR_UNDEFINED, `undefined variable '${name}'`, start, end));
    });
  }
  return { expr: errors.length === 0 ? expr : null, errors };
}

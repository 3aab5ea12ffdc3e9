/**
 * @tvix-ts/eval: the Nix language: the front end (parse-api.ts: tokenizer, parser with byte spans,
 * CppNix's parse-time checks, error rendering, `--parse` printing; also importable alone as
 * `@tvix-ts/eval/parse`) and the evaluator (eval-api.ts).
 */

export * from "./eval-api.ts";
export * from "./parse-api.ts";

/**
 * @tvix-ts/glue: joins the evaluator to the store. `./eval` is the evaluating thread's side
 * (light: builtins, KnownPaths, the IO over the store); `./host` owns the store services and
 * runs fetches. This entry point re-exports both.
 */
export * from "./eval/index.ts";
export * from "./host/index.ts";
export * from "./lazy-link.ts";
export type * from "./protocol.ts";

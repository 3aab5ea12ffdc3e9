/**
 * Turns on Node's on-disk compile cache before the evaluator is imported, so that compiling its
 * modules is paid once per machine, not per run. Older Nodes without it just compile.
 */
import * as nodeModule from "node:module";

export function enableCompileCache(): void {
  try {
    nodeModule.enableCompileCache?.();
  } catch {}
}

/**
 * @tvix-ts/glue/eval: the evaluating thread's side of glue. It imports nothing heavy (no store
 * or castore code), so `tvix eval` starts fast; the store lives in the host thread.
 */
import type { EvalIO, SearchPathEntry, Slot } from "@tvix-ts/eval";
import type { LinkInit } from "../protocol.ts";
import { glueBuiltins } from "./builtins.ts";
import { COREPKGS_DIR } from "./corepkgs.ts";
import { HostLink } from "./host-link.ts";
import { GlueSession } from "./session.ts";

export { glueBuiltins } from "./builtins.ts";
export { COREPKGS_DIR } from "./corepkgs.ts";
export { GlueIO } from "./glue-io.ts";
export { HostCallError, HostLink } from "./host-link.ts";
export type { KnownDerivation, KnownPaths, LocalImport } from "./known-paths.ts";
export { GlueSession, type GlueSessionOptions } from "./session.ts";

export interface GlueEvaluation {
  session: GlueSession;
  /** Pass as the evaluator's `io`. */
  io: EvalIO;
  /** Pass as the evaluator's `extraBuiltins`. */
  extraBuiltins: Map<string, Slot>;
  /** Append to the search path: `nix=/__corepkgs__` for `<nix/fetchurl.nix>`. */
  searchPath: SearchPathEntry[];
}

/**
 * Everything an evaluation needs to have glue: `io` is the local IO, `link` the host link
 * (from `LinkInit` in workerData), absent for an evaluation without a store host.
 */
export function glueEvaluation(
  io: EvalIO,
  link?: LinkInit,
  opts: { storeDir?: string; persist?: boolean } = {},
): GlueEvaluation {
  const session = new GlueSession({
    io,
    link: link === undefined ? undefined : new HostLink(link),
    storeDir: opts.storeDir,
    persist: opts.persist,
  });
  return {
    session,
    io: session.io,
    extraBuiltins: glueBuiltins(session),
    searchPath: [{ prefix: "nix", path: COREPKGS_DIR }],
  };
}
export { type InstantiateDrvOptions, instantiateDerivations } from "./instantiate.ts";
export { type GlueJob, type GlueJobResult, runGlueJob } from "./job.ts";

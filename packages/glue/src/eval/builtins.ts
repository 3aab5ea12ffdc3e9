/**
 * The builtins glue adds to (or replaces in) the evaluator's base environment for one
 * evaluation. They close over the session, so two evaluations never share known paths.
 */
import { NixAttrs, PrimOp, runtime, type Slot, Thunk, throwEval } from "@tvix-ts/eval";
import { COREPKGS_DIR } from "./corepkgs.ts";
import { makeDerivationStrict } from "./derivation-strict.ts";
import { makeDerivationWrapper } from "./derivation-wrapper.ts";
import { fetcherBuiltins } from "./fetch-builtins.ts";
import type { GlueSession } from "./session.ts";
import { makeFilterSource, makePath, makeStorePath, makeToFile } from "./store-builtins.ts";

export function glueBuiltins(session: GlueSession): Map<string, Slot> {
  const m = new Map<string, Slot>([
    ["derivationStrict", makeDerivationStrict(session)],
    ["derivation", makeDerivationWrapper(session)],
    ["toFile", makeToFile(session)],
    ["path", makePath(session)],
    ["filterSource", makeFilterSource(session)],
    ["storePath", makeStorePath(session)],
  ]);
  for (const op of fetcherBuiltins(session)) m.set(op.name, op);
  m.set(
    "fetchMercurial",
    new PrimOp("fetchMercurial", 1, () => throwEval("fetchMercurial is not supported by tvix")),
  );
  // `<nix/…>` falls back to the embedded corepkgs, which CppNix does not list in nixPath.
  m.set(
    "nixPath",
    new Thunk(
      () =>
        runtime.state.searchPath
          .filter((e) => e.path !== COREPKGS_DIR)
          .map((e) =>
            NixAttrs.fromEntries([
              ["path", e.path],
              ["prefix", e.prefix],
            ]),
          ),
      [],
    ),
  );
  return m;
}

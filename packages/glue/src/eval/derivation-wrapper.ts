/**
 * `derivation`: CppNix's Nix-coded wrapper around `derivationStrict` (eval-glue.md §3.4),
 * written as a builtin with the same laziness so that the 20,000-derivation benchmark does not
 * pay for interpreting it. For `drvAttrs` with `outputs ? [ "out" ]`:
 *
 *   strict      = derivationStrict drvAttrs             (once, when an outPath/drvPath is forced)
 *   outputsList = map (o: { name = o; value = common // { outPath = strict.${o};
 *                   drvPath = strict.drvPath; type = "derivation"; outputName = o; }; }) outputs
 *   common      = drvAttrs // listToAttrs outputsList // { all = map (x: x.value) outputsList;
 *                   inherit drvAttrs; }
 *   result      = (head outputsList).value
 */
import {
  force,
  NixAttrs,
  PrimOp,
  runtime,
  type Slot,
  Thunk,
  throwEval,
  updateAttrs,
  type Value,
} from "@tvix-ts/eval";

import { derivationStrict } from "./derivation-strict.ts";
import type { GlueSession } from "./session.ts";

const DEFAULT_OUTPUTS: Slot[] = ["out"];

/**
 * Calls `derivationStrict` itself (not the PrimOp around it). Every derivation that
 * depends on another forces it from inside its own `derivationStrict` (coercing `outPath`), so
 * dependency chains recurse as deep as they are long; the fewer JavaScript frames per level
 * (thunk → strict → derivationStrict), the less the garbage collector scans on each
 * young-generation collection.
 */
export function makeDerivationWrapper(session: GlueSession): PrimOp {
  return new PrimOp("derivation", 1, (a: Slot) => {
    const drvAttrs = runtime.forceAttrs(a);
    const outputsSlot = drvAttrs.get("outputs") ?? DEFAULT_OUTPUTS;
    const result = new Thunk(() => derivationStrict(session, drvAttrs), []);
    const drvPath = new Thunk(() => strictAttr(result, "drvPath"), []);
    const names = runtime.forceList(outputsSlot);
    if (names.length === 0) return throwEval("list index 0 is out of bounds");
    const values = names.map((nameSlot) => new Thunk(() => build(nameSlot), []));
    // Each output's set is `common // { drvPath; outPath; outputName; type }` where `common`
    // is `drvAttrs // listToAttrs outputsList // { all; drvAttrs }`: built here as one overlay
    // applied once, so `common` itself is never materialised.
    let shared: [string, Slot][] | undefined;
    const build = (nameSlot: Slot): Value => {
      if (shared === undefined) {
        // listToAttrs: the first of equal names wins.
        const byName = new Map<string, Slot>();
        for (let i = 0; i < names.length; i++) {
          const n = runtime.forceStringNoCtx(names[i]);
          if (!byName.has(n)) byName.set(n, values[i]);
        }
        byName.set("all", values);
        byName.set("drvAttrs", drvAttrs);
        shared = [...byName];
      }
      const overlay: [string, Slot][] = [
        ...shared,
        ["drvPath", drvPath],
        ["outPath", new Thunk(() => strictAttr(result, runtime.forceStringNoCtx(nameSlot)), [])],
        ["outputName", nameSlot],
        ["type", "derivation"],
      ];
      return updateAttrs(drvAttrs, NixAttrs.fromEntries(overlay));
    };
    return force(values[0]);
  });
}

/** An attribute of `derivationStrict`'s result. */
function strictAttr(result: Thunk, name: string): Value {
  const set = result.force();
  if (!(set instanceof NixAttrs)) return runtime.forceAttrs(set);
  const v = set.get(name);
  if (v === undefined) return throwEval(`attribute '${name}' missing`);
  return force(v);
}

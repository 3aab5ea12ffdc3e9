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

const DEFAULT_OUTPUTS: Slot[] = ["out"];

export function makeDerivationWrapper(derivationStrict: PrimOp): PrimOp {
  return new PrimOp("derivation", 1, (a: Slot) => {
    const drvAttrs = runtime.forceAttrs(a);
    const outputsSlot = drvAttrs.get("outputs") ?? DEFAULT_OUTPUTS;
    const strict = new Thunk(() => derivationStrict.fn(drvAttrs), []);
    const strictAttr = (name: string): Value => {
      const set = runtime.forceAttrs(strict);
      const v = set.get(name);
      if (v === undefined) return throwEval(`attribute '${name}' missing`);
      return force(v);
    };
    const drvPath = new Thunk(() => strictAttr("drvPath"), []);
    // Built on first use, like the `let` bindings of the Nix code.
    let elements: NixAttrs[] | undefined;
    let common: Thunk;
    const outputsList = (): NixAttrs[] => {
      if (elements !== undefined) return elements;
      const names = runtime.forceList(outputsSlot);
      elements = names.map((nameSlot) => {
        const value = new Thunk(
          () =>
            updateAttrs(
              runtime.forceAttrs(common),
              new NixAttrs(
                ["drvPath", "outPath", "outputName", "type"],
                [
                  drvPath,
                  new Thunk(() => strictAttr(runtime.forceStringNoCtx(nameSlot)), []),
                  nameSlot,
                  "derivation",
                ],
                null,
              ),
            ),
          [],
        );
        return new NixAttrs(["name", "value"], [nameSlot, value], null);
      });
      return elements;
    };
    common = new Thunk(() => {
      const list = outputsList();
      // listToAttrs: the first of equal names wins.
      const byName: [string, Slot][] = list.map((e) => [
        runtime.forceStringNoCtx(e.values[0]),
        e.values[1],
      ]);
      const perOutput = NixAttrs.fromEntries(byName, true);
      const all = list.map((e) => e.values[1]);
      return updateAttrs(
        updateAttrs(drvAttrs, perOutput),
        new NixAttrs(["all", "drvAttrs"], [all, drvAttrs], null),
      );
    }, []);
    const list = outputsList();
    if (list.length === 0) return throwEval("list index 0 is out of bounds");
    return force(list[0].values[1]);
  });
}

/**
 * `derivationStrict` (computes the derivation, its output paths and `.drv` path with
 * @tvix-ts/nix-compat; writing the `.drv` into a store is the host's business: glue may replace
 * this builtin) and `derivation`, the Nix-coded wrapper that builds one set per output.
 */
import {
  ContentAddress,
  type Derivation,
  finalizeDerivation,
  type InputHashModulo,
  newDerivation,
  parseNixHash,
} from "@tvix-ts/nix-compat/core";
import { coerceToString } from "../coerce.ts";
import { throwEval } from "../eval-error.ts";
import { forceAttrs, forceBool, forceList, forceStringNoCtx, state } from "../runtime.ts";
import { Source } from "../source.ts";
import { force, mkString, NixAttrs, type Slot, type Value } from "../values.ts";
import { toJSON } from "./json.ts";
import { registerBuiltin, registerConstant } from "./registry.ts";

interface KnownDrv {
  outputs: string[];
  hashModulo: InputHashModulo;
}

/** Derivations computed in this process, by `.drv` path (for input hashes modulo). */
const known = new Map<string, KnownDrv>();

registerBuiltin("derivationStrict", 1, (a: Slot) => derivationStrict(forceAttrs(a)));

function derivationStrict(args: NixAttrs): Value {
  const nameSlot = args.get("name");
  if (nameSlot === undefined) throwEval("required attribute 'name' missing");
  const name = forceStringNoCtx(nameSlot);
  const ignoreNullsSlot = args.get("__ignoreNulls");
  const ignoreNulls = ignoreNullsSlot !== undefined && forceBool(ignoreNullsSlot);
  const saSlot = args.get("__structuredAttrs");
  const structured = saSlot !== undefined && forceBool(saSlot);
  const drv: Derivation = newDerivation();
  const ctx = new Set<string>();
  let outputs = ["out"];
  const json: string[] = [];
  for (let i = 0; i < args.keys.length; i++) {
    const key = args.keys[i];
    if (key === "__ignoreNulls") continue;
    const v = force(args.values[i]);
    if (ignoreNulls && v === null) continue;
    try {
      if (key === "args") {
        for (const x of forceList(v)) drv.args.push(coerceToString(x, ctx, true, true));
        continue;
      }
      if (key === "outputs") {
        const list = forceList(v).map((x) => forceStringNoCtx(x));
        if (list.length === 0) throwEval("derivation cannot have an empty set of outputs");
        const seen = new Set<string>();
        for (const o of list) {
          if (seen.has(o)) throwEval(`duplicate derivation output '${o}'`);
          if (o === "drvPath") throwEval("invalid derivation output name 'drvPath'");
          seen.add(o);
        }
        outputs = list;
        if (!structured) drv.env.set("outputs", list.join(" "));
        else json.push(`${JSON.stringify(key)}:${toJSON(v, ctx)}`);
        continue;
      }
      if (structured) {
        if (key === "__structuredAttrs") continue;
        json.push(`${JSON.stringify(key)}:${toJSON(v, ctx)}`);
        if (key === "builder" || key === "system") {
          const s = coerceToString(v, ctx, true, true);
          if (key === "builder") drv.builder = s;
          else drv.system = s;
        }
        continue;
      }
      const s = coerceToString(v, ctx, true, true);
      drv.env.set(key, s);
      if (key === "builder") drv.builder = s;
      else if (key === "system") drv.system = s;
    } catch (e) {
      if (e && typeof e === "object" && "addTrace" in e)
        (e as { addTrace(m: string, p: null): void }).addTrace(
          `while evaluating attribute '${key}' of derivation '${name}'`,
          null,
        );
      throw e;
    }
  }
  if (structured) drv.env.set("__json", `{${json.join(",")}}`);
  const hashStr = structured ? undefined : drv.env.get("outputHash");
  if (hashStr !== undefined) {
    if (outputs.length !== 1 || outputs[0] !== "out")
      throwEval("multiple outputs are not supported in fixed-output derivations");
    const algo = drv.env.get("outputHashAlgo") || undefined;
    const mode = drv.env.get("outputHashMode") ?? "flat";
    let hash: ReturnType<typeof parseNixHash>;
    try {
      hash = parseNixHash(hashStr, algo);
    } catch (e) {
      return throwEval((e as Error).message);
    }
    const method = mode === "recursive" || mode === "nar" ? "nar" : mode === "flat" ? "flat" : null;
    if (method === null) throwEval(`invalid value '${mode}' for 'outputHashMode' attribute`);
    drv.outputs.set("out", { kind: "fixed", ca: new ContentAddress(method, hash) });
  } else for (const o of outputs) drv.outputs.set(o, { kind: "deferred" });
  for (const c of ctx) {
    if (c.startsWith("=")) {
      const p = c.slice(1);
      const k = known.get(p);
      const set = drv.inputDrvs.get(p) ?? new Set<string>();
      for (const o of k?.outputs ?? ["out"]) set.add(o);
      drv.inputDrvs.set(p, set);
      drv.inputSrcs.add(p);
    } else if (c.startsWith("!")) {
      const j = c.indexOf("!", 1);
      const out = c.slice(1, j);
      const p = c.slice(j + 1);
      const set = drv.inputDrvs.get(p) ?? new Set<string>();
      set.add(out);
      drv.inputDrvs.set(p, set);
    } else drv.inputSrcs.add(c);
  }
  let fin: ReturnType<typeof finalizeDerivation>;
  try {
    fin = finalizeDerivation(drv, name, (p) => known.get(p)?.hashModulo);
  } catch (e) {
    return throwEval((e as Error).message);
  }
  known.set(fin.drvPath, { outputs, hashModulo: fin.hashModulo });
  const entries: [string, Slot][] = [
    ["drvPath", mkString(fin.drvPath, new Set([`=${fin.drvPath}`]))],
  ];
  for (const o of outputs) {
    const p = fin.outputPaths.get(o) ?? "";
    entries.push([o, mkString(p, new Set([`!${o}!${fin.drvPath}`]))]);
  }
  return NixAttrs.fromEntries(entries);
}

/**
 * `derivation attrs`: calls derivationStrict once (lazily) and returns the set of the first
 * output; every output's set is attrs + all output sets + `all` + `drvAttrs`, then `outPath`,
 * `drvPath`, `type` and `outputName`.
 */
const WRAPPER = `
drvAttrs@{ outputs ? [ "out" ], ... }:
let
  strict = derivationStrict drvAttrs;
  perOutput = map (outputName: {
    name = outputName;
    value = shared // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  }) outputs;
  shared = drvAttrs // builtins.listToAttrs perOutput // {
    all = map (o: o.value) perOutput;
    inherit drvAttrs;
  };
in (builtins.head perOutput).value
`;

registerConstant("derivation", () =>
  state.evalText(new Source(new TextEncoder().encode(WRAPPER), "«nix-internal»/derivation.nix")),
);

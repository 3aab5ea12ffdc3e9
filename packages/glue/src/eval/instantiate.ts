/**
 * `nix-instantiate FILE [-A ATTR]` (without --eval): evaluate, auto-call with `--arg`s, select
 * each attribute path, collect the derivations in it as Nix 2.8's getDerivations does (a
 * derivation; the derivations among a set's attributes, recursing into sets that say
 * `recurseForDerivations = true`; the elements of a list) and print each `.drv` path (with
 * `!output` for outputs other than `out`).
 */
import {
  type AutoArg,
  autoCall,
  buildAutoArgs,
  Evaluator,
  type EvaluatorOptions,
  evalRoot,
  findAlongAttrPath,
  force,
  NixAttrs,
  runtime,
  type Slot,
  throwEval,
  type Value,
} from "@tvix-ts/eval";

export interface InstantiateDrvOptions extends EvaluatorOptions {
  file?: string | null;
  expr?: string | null;
  stdin?: Uint8Array;
  cwd: string;
  attrPaths?: string[];
  args?: AutoArg[];
}

const ATTR_NAME = /^[A-Za-z_][A-Za-z0-9_+-]*$/;

function isDerivation(v: Value): v is NixAttrs {
  if (!(v instanceof NixAttrs)) return false;
  const t = v.get("type");
  if (t === undefined) return false;
  const s = force(t);
  return (
    s === "derivation" || (typeof s === "object" && s !== null && "s" in s && s.s === "derivation")
  );
}

function getDerivations(v0: Slot, autoArgs: NixAttrs, out: NixAttrs[], done: Set<NixAttrs>): void {
  const v = autoCall(force(v0), autoArgs);
  // Adds `v` if it is a derivation; true means "not a derivation: look inside".
  const one = (s: Slot): boolean => {
    const x = force(s);
    if (!isDerivation(x)) return true;
    if (!done.has(x)) {
      done.add(x);
      out.push(x);
    }
    return false;
  };
  if (isDerivation(v)) {
    one(v);
    return;
  }
  if (v instanceof NixAttrs) {
    const combine = v.has("_combineChannels");
    for (let i = 0; i < v.keys.length; i++) {
      if (!ATTR_NAME.test(v.keys[i])) continue;
      const s = v.values[i];
      if (combine) getDerivations(s, autoArgs, out, done);
      else if (one(s)) {
        const x = force(s);
        if (x instanceof NixAttrs) {
          const r = x.get("recurseForDerivations");
          if (r !== undefined && runtime.forceBool(r)) getDerivations(x, autoArgs, out, done);
        }
      }
    }
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) if (one(e)) getDerivations(e, autoArgs, out, done);
    return;
  }
  throwEval("expression does not evaluate to a derivation (or a set or list of those)");
}

/** Runs the instantiation; returns the lines nix-instantiate prints (byte string). */
export function instantiateDerivations(opts: InstantiateDrvOptions): string {
  const ev = new Evaluator(opts);
  const root = evalRoot(ev, opts);
  const autoArgs = buildAutoArgs(ev, opts.args ?? [], opts.cwd);
  let out = "";
  const paths = opts.attrPaths && opts.attrPaths.length > 0 ? opts.attrPaths : [""];
  for (const p of paths) {
    const v = findAlongAttrPath(root, p, autoArgs);
    const drvs: NixAttrs[] = [];
    getDerivations(v, autoArgs, drvs, new Set());
    for (const d of drvs) {
      const dp = d.get("drvPath");
      if (dp === undefined) throwEval("attribute 'drvPath' missing");
      const drvPath = runtime.forceString(dp);
      const on = d.get("outputName");
      const outputName = on === undefined ? "" : runtime.forceStringNoCtx(on);
      if (outputName === "") throwEval(`derivation '${drvPath}' lacks an 'outputName' attribute`);
      out += `${drvPath}${outputName !== "out" ? `!${outputName}` : ""}\n`;
    }
  }
  return out;
}

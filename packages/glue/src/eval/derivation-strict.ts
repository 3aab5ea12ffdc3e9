/**
 * `derivationStrict` as Nix 2.8 does it (eval-glue.md §5.1): attributes in name order, each
 * coerced (strongly, copying paths to the store) into the environment, or with
 * `__structuredAttrs` serialised as JSON into `__json`; `args`, `builder`, `system`, `outputs`
 * and the fixed-output attributes are also read for their meaning. The string contexts of
 * everything coerced become the inputs (see inputs.ts). Paths and the `.drv` are computed with
 * nix-compat; the result is recorded in KnownPaths.
 */
import {
  coerceToString,
  force,
  isNixError,
  NixAttrs,
  NixString,
  PrimOp,
  runtime,
  SingleContext,
  type Slot,
  throwEval,
  toJSON,
  type Value,
} from "@tvix-ts/eval";
import {
  ContentAddress,
  type ContentAddressMethod,
  type Derivation,
  DerivationError,
  type DerivationOutput,
  finalizeDerivation,
  newDerivation,
} from "@tvix-ts/nix-compat/core";
import type { Fetch } from "../protocol.ts";
import { hashSpec } from "./fetch-builtins.ts";
import { addInputsFromContext, lookupHashModulo } from "./inputs.ts";
import { hashAlgoOpt, parseHashAllowEmpty } from "./output-hash.ts";
import type { GlueSession } from "./session.ts";

export function makeDerivationStrict(session: GlueSession): PrimOp {
  return new PrimOp("derivationStrict", 1, (a: Slot) =>
    derivationStrict(session, runtime.forceAttrs(a)),
  );
}

/** A boolean attribute that is false when absent. */
function flag(args: NixAttrs, key: string): boolean {
  const s = args.get(key);
  if (s === undefined) return false;
  try {
    return runtime.forceBool(s);
  } catch (e) {
    if (isNixError(e)) e.addTrace(`while evaluating the '${key}' attribute`, null);
    throw e;
  }
}

const DEFAULT_OUTPUTS: readonly string[] = ["out"];
/** Outputs are immutable values: one deferred output serves every derivation. */
const DEFERRED: DerivationOutput = Object.freeze({ kind: "deferred" });
/** Never written: `json` is only filled with structured attributes. */
const NO_JSON: string[] = [];

function experimental(feature: string): never {
  return throwEval(
    `experimental Nix feature '${feature}' is disabled; use '--extra-experimental-features ${feature}' to override`,
  );
}

function checkOutputs(list: string[]): string[] {
  const seen = new Set<string>();
  for (const o of list) {
    if (seen.has(o)) throwEval(`duplicate derivation output '${o}'`);
    // A `drv` output would clash with the `drvPath` attribute of the result.
    if (o === "drv") throwEval("invalid derivation output name 'drv'");
    seen.add(o);
  }
  if (seen.size === 0) throwEval("derivation cannot have an empty set of outputs");
  return [...seen].sort();
}

export function derivationStrict(session: GlueSession, args: NixAttrs): Value {
  const nameSlot = args.get("name");
  if (nameSlot === undefined) throwEval("attribute 'name' missing for call to 'derivationStrict'");
  let name: string;
  try {
    name = runtime.forceStringNoCtx(nameSlot);
  } catch (e) {
    if (isNixError(e)) e.addTrace("while evaluating the derivation attribute 'name'", null);
    throw e;
  }
  const structured = flag(args, "__structuredAttrs");
  const ignoreNulls = flag(args, "__ignoreNulls");

  // The environment, arguments, builder and system are collected in plain locals and the
  // Derivation (its maps and sets) made after the loop: while the loop forces dependencies,
  // deep chains keep every level's partial state alive, and the less that is, the less the
  // garbage collector copies.
  const env: string[] = new Array(2 * args.keys.length);
  let envLength = 0;
  const argv: string[] = [];
  let builder = "";
  let system = "";
  const ctx = new Set<string>();
  let outputs = DEFAULT_OUTPUTS;
  let outputHash: string | undefined;
  let outputHashAlgo = "";
  let hashMode: ContentAddressMethod | undefined;
  const json: string[] = structured ? [] : NO_JSON;

  // The attributes are coerced in this loop itself rather than in a helper: a derivation's
  // dependencies are forced from here, recursively, so every frame counts (see
  // derivation-wrapper.ts). The trace message is built on errors only.
  const keys = args.keys;
  const slots = args.values;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === "__ignoreNulls") continue;
    try {
      const v = force(slots[i]);
      if (ignoreNulls && v === null) continue;
      if (key === "__contentAddressed") {
        if (runtime.forceBool(v)) experimental("ca-derivations");
        continue;
      }
      if (key === "__impure") {
        if (runtime.forceBool(v)) experimental("impure-derivations");
        continue;
      }
      if (key === "args") {
        for (const x of runtime.forceList(v)) argv.push(coerceToString(x, ctx, true, true));
        continue;
      }
      if (structured) {
        if (key === "__structuredAttrs") continue;
        json.push(`${toJSON(key, new Set())}:${toJSON(v, ctx)}`);
        if (key === "builder") builder = coerceString(v, ctx);
        else if (key === "system") system = runtime.forceStringNoCtx(v);
        else if (key === "outputHash") outputHash = runtime.forceStringNoCtx(v);
        else if (key === "outputHashAlgo") outputHashAlgo = runtime.forceStringNoCtx(v);
        else if (key === "outputHashMode") hashMode = parseHashMode(runtime.forceStringNoCtx(v));
        else if (key === "outputs")
          outputs = checkOutputs(runtime.forceList(v).map((x) => runtime.forceStringNoCtx(x)));
        continue;
      }
      const s = coerceToString(v, ctx, true, true);
      env[envLength++] = key;
      env[envLength++] = s;
      if (key === "builder") builder = s;
      else if (key === "system") system = s;
      else if (key === "outputHash") outputHash = s;
      else if (key === "outputHashAlgo") outputHashAlgo = s;
      else if (key === "outputHashMode") hashMode = parseHashMode(s);
      else if (key === "outputs")
        outputs = checkOutputs(s.split(/[ \t\n\r]+/).filter((x) => x !== ""));
    } catch (e) {
      if (isNixError(e))
        e.addTrace(`while evaluating the attribute '${key}' of the derivation '${name}'`, null);
      throw e;
    }
  }
  const drv: Derivation = newDerivation();
  for (let i = 0; i < envLength; i += 2) drv.env.set(env[i]!, env[i + 1]!);
  drv.args = argv;
  drv.builder = builder;
  drv.system = system;
  if (structured) drv.env.set("__json", `{${json.join(",")}}`);

  addInputsFromContext(session, drv, ctx);

  if (drv.builder === "") throwEval("required attribute 'builder' missing");
  if (drv.system === "") throwEval("required attribute 'system' missing");
  if (name.endsWith(".drv")) throwEval("derivation names are not allowed to end in '.drv'");

  if (outputHash !== undefined) {
    if (outputs.length !== 1 || outputs[0] !== "out")
      throwEval("multiple outputs are not supported in fixed-output derivations");
    const h = parseHashAllowEmpty(outputHash, hashAlgoOpt(outputHashAlgo), (m) => session.warn(m));
    drv.outputs.set("out", { kind: "fixed", ca: new ContentAddress(hashMode ?? "flat", h) });
  } else for (const o of outputs) drv.outputs.set(o, DEFERRED);

  let fin: ReturnType<typeof finalizeDerivation>;
  try {
    fin = finalizeDerivation(drv, name, (p) => lookupHashModulo(session, p), {
      keepAterm: session.persist,
    });
  } catch (e) {
    if (e instanceof DerivationError) return throwEval(e.message);
    throw e;
  }
  session.known.addDerivation(fin.drvPath, {
    name,
    outputs,
    outputPaths: pathsOf(outputs, fin.outputPaths),
    hashModulo: fin.hashModuloHex,
    references: fin.references,
    aterm: session.persist ? fin.aterm : undefined,
  });
  if (session.persist && session.link !== undefined)
    session.link.post({
      op: "persistText",
      storePath: fin.drvPath,
      name: `${name}.drv`,
      contents: fin.atermString,
      refs: fin.references,
    });

  if (drv.builder === "builtin:fetchurl") registerBuiltinFetchurl(session, drv, name);

  const drvPathValue = new NixString(fin.drvPath, new SingleContext(`=${fin.drvPath}`));
  const outputValue = (o: string) =>
    new NixString(fin.outputPaths.get(o) ?? "", new SingleContext(`!${o}!${fin.drvPath}`));
  // The usual result, `{ drvPath; out; }`, shares one name array.
  if (outputs.length === 1 && outputs[0] === "out")
    return new NixAttrs(DRV_PATH_AND_OUT, [drvPathValue, outputValue("out")], null);
  const entries: [string, Slot][] = [["drvPath", drvPathValue]];
  for (const o of outputs) entries.push([o, outputValue(o)]);
  return NixAttrs.fromEntries(entries);
}

const DRV_PATH_AND_OUT: readonly string[] = ["drvPath", "out"];

/** The paths of `outputs` that have one, in an array of its exact size (kept per derivation). */
function pathsOf(outputs: readonly string[], paths: ReadonlyMap<string, string>): string[] {
  if (outputs.length === 1) {
    const p = paths.get(outputs[0]!);
    return p === undefined ? [] : [p];
  }
  const out = new Array<string>(outputs.length);
  let n = 0;
  for (const o of outputs) {
    const p = paths.get(o);
    if (p !== undefined) out[n++] = p;
  }
  out.length = n;
  return out;
}

function parseHashMode(s: string): ContentAddressMethod {
  if (s === "recursive") return "nar";
  if (s === "flat") return "flat";
  return throwEval(`invalid value '${s}' for 'outputHashMode' attribute`);
}

/** `forceString` with context (the builder under structured attrs must be a string). */
function coerceString(v: Value, ctx: Set<string>): string {
  const s = runtime.forceStringValue(v);
  if (typeof s === "string") return s;
  for (const c of s.ctx) ctx.add(c);
  return s.s;
}

/**
 * A `builtin:fetchurl` derivation (`<nix/fetchurl.nix>`) is produced by fetching, so its output
 * is recorded as a lazy fetch: reading it downloads and verifies instead of building.
 */
function registerBuiltinFetchurl(session: GlueSession, drv: Derivation, name: string): void {
  const out = drv.outputs.get("out");
  const url = drv.env.get("url");
  if (out?.kind !== "fixed" || out.path === undefined || url === undefined) return;
  const hash = hashSpec(out.ca.hash);
  const fetch: Fetch =
    drv.env.get("unpack") === "1"
      ? { kind: "nar", url, name, hash }
      : { kind: "file", url, name, hash, mode: out.ca.method === "nar" ? "executable" : "flat" };
  session.addLazyFetch(out.path, fetch);
}

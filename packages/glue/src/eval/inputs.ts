/**
 * Inputs of a derivation from the string context of its attributes (Nix 2.8's rules):
 * - `/nix/store/…` (opaque): an input source;
 * - `!out!/nix/store/….drv`: that output of that derivation;
 * - `=/nix/store/….drv` (from `drvPath`): the `.drv`'s whole reference closure becomes input
 *   sources, and every derivation in it an input with all of its outputs.
 * Derivations this evaluation did not create are read from the store (`.drv` files).
 */
import { IOFailure, throwEval } from "@tvix-ts/eval";
import {
  type Derivation,
  derivationReferences,
  outputPath,
  parseDerivation,
  toHex,
  tryHashDerivationModulo,
} from "@tvix-ts/nix-compat/core";
import type { KnownDerivation } from "./known-paths.ts";
import type { GlueSession } from "./session.ts";
import { baseName } from "./store-paths.ts";

/**
 * One set per output name for inputs that use a single output (almost all do), shared by every
 * derivation: sets here are never changed in place — a second output makes a new one.
 */
const ONE_OUTPUT = new Map<string, Set<string>>();

function addOutput(drv: Derivation, drvPath: string, out: string): void {
  const set = drv.inputDrvs.get(drvPath);
  if (set === undefined) {
    let one = ONE_OUTPUT.get(out);
    if (one === undefined) {
      one = new Set([out]);
      ONE_OUTPUT.set(out, one);
    }
    drv.inputDrvs.set(drvPath, one);
  } else if (!set.has(out)) drv.inputDrvs.set(drvPath, new Set([...set, out]));
}

export function addInputsFromContext(
  session: GlueSession,
  drv: Derivation,
  ctx: ReadonlySet<string>,
): void {
  for (const c of ctx) {
    const first = c.charCodeAt(0);
    if (first === 61 /* = */) {
      for (const p of closure(session, c.slice(1))) {
        drv.inputSrcs.add(p);
        if (p.endsWith(".drv")) {
          const d = lookupDerivation(session, p);
          if (d !== undefined) for (const o of d.outputs) addOutput(drv, p, o);
        }
      }
    } else if (first === 33 /* ! */) {
      const j = c.indexOf("!", 1);
      addOutput(drv, c.slice(j + 1), c.slice(1, j));
    } else drv.inputSrcs.add(c);
  }
}

/** A derivation by `.drv` path: known to this evaluation, or read from the store. */
export function lookupDerivation(
  session: GlueSession,
  drvPath: string,
): KnownDerivation | undefined {
  const known = session.known.derivations.get(drvPath);
  if (known !== undefined) return known;
  let bytes: Uint8Array;
  try {
    bytes = session.io.readFile(drvPath);
  } catch (e) {
    if (e instanceof IOFailure) return undefined;
    throw e;
  }
  let drv: Derivation;
  try {
    drv = parseDerivation(bytes);
  } catch (e) {
    return throwEval(`error parsing derivation '${drvPath}': ${(e as Error).message}`);
  }
  const modulo = tryHashDerivationModulo(drv, (p) => lookupHashModulo(session, p));
  const hashModulo = modulo === "deferred" ? modulo : toHex(modulo);
  const outputs = [...drv.outputs.keys()].sort();
  const outputPaths: string[] = [];
  for (const o of outputs) {
    const p = outputPath(drv.outputs.get(o)!);
    if (p !== undefined) outputPaths.push(p);
  }
  const name = baseName(drvPath).slice(33, -4);
  const d: KnownDerivation = {
    name,
    outputs,
    outputPaths,
    hashModulo,
    references: derivationReferences(drv),
    aterm: undefined,
  };
  session.known.addDerivation(drvPath, d);
  return d;
}

export function lookupHashModulo(session: GlueSession, drvPath: string): string | undefined {
  return lookupDerivation(session, drvPath)?.hashModulo;
}

const closures = new WeakMap<GlueSession, Map<string, readonly string[]>>();

/** The reference closure of a store path (itself included), sorted. */
export function closure(session: GlueSession, root: string): readonly string[] {
  let cache = closures.get(session);
  if (cache === undefined) {
    cache = new Map();
    closures.set(session, cache);
  }
  const hit = cache.get(root);
  if (hit !== undefined) return hit;
  const seen = new Set<string>();
  const todo = [root];
  while (todo.length > 0) {
    const p = todo.pop() as string;
    if (seen.has(p)) continue;
    seen.add(p);
    const sub = cache.get(p);
    if (sub !== undefined) {
      for (const q of sub) seen.add(q);
      continue;
    }
    for (const r of referencesOf(session, p)) if (!seen.has(r)) todo.push(r);
  }
  const out = [...seen].sort();
  cache.set(root, out);
  return out;
}

function referencesOf(session: GlueSession, p: string): readonly string[] {
  const k = session.known.references(p);
  if (k !== undefined) return k;
  if (p.endsWith(".drv")) {
    const d = lookupDerivation(session, p);
    if (d !== undefined) return d.references;
  }
  const fromHost = session.hostReferences(p);
  if (fromHost !== undefined) return fromHost;
  // A path in a real /nix/store this store does not manage: its references are unknown here.
  if (session.io.base.pathExists(p)) return [];
  return throwEval(`path '${p}' is not valid`);
}

/**
 * hashDerivationModulo (spec §5.6): the hash that input-addressed output paths are made from.
 *
 * - Fixed-output derivation: sha256(`fixed:out:<[r:]algo>:<hex>:<out path>`), so FODs with the
 *   same output are interchangeable for dependants.
 * - Floating CA or impure derivation: "deferred" (dependants cannot know their output paths).
 * - Otherwise: sha256 of the ATerm with every input derivation path replaced by the lowercase
 *   hex of that input's own (unmasked) hash modulo, keys re-sorted, output sets of equal keys
 *   merged. If any input is deferred, so is the result.
 *
 * `mask` blanks the derivation's own output paths and the env vars named like its outputs:
 * that is the hash its own output paths are computed from. Dependants need the unmasked hash
 * of the final derivation (`finalizeDerivation` returns it).
 */
import { toHex } from "../bytes.ts";
import { digest, digestUtf8 } from "../crypto/index.ts";
import { printer } from "./aterm-print.ts";
import { bytesToByteString } from "./byte-string.ts";
import { type Derivation, DerivationError, methodAlgoString, sortedKeys } from "./model.ts";

/** The hash modulo of a derivation as its dependants see it. */
export type InputHashModulo = Uint8Array | "deferred";

/**
 * Returns the unmasked hash modulo of an input derivation (as `finalizeDerivation` or
 * `hashDerivationModulo` gave it; bytes, or their lowercase hex as `finalizeDerivation`'s
 * `hashModuloHex`), or undefined if it is unknown.
 */
export type HashModuloLookup = (drvPath: string) => InputHashModulo | string | undefined;

export interface HashModuloOptions {
  /** Hash the masked form (for the derivation's own output paths). Default false. */
  mask?: boolean;
}

/** sha256(`fixed:out:<methodAlgo>:<hex>:<path>`) of a fixed-output derivation, or undefined. */
export function fixedOutputHashModulo(drv: Derivation): Uint8Array | undefined {
  if (drv.outputs.size !== 1) return undefined;
  const o = drv.outputs.get("out");
  if (o === undefined || o.kind !== "fixed") return undefined;
  if (o.path === undefined) {
    throw new DerivationError(
      "missing-output-path",
      "the fixed output's path must be known to compute hashDerivationModulo",
    );
  }
  const s = `fixed:out:${methodAlgoString(o.ca.method, o.ca.hash.algo)}:${o.ca.hash.toHex()}:${o.path}`;
  return digestUtf8("sha256", s);
}

/**
 * The input derivations of the hash-modulo ATerm: the hex of each input's hash modulo with its
 * output names, sorted by hash, inputs of equal hashes (interchangeable fixed outputs) merged;
 * or "deferred" when an input's hash cannot be known.
 */
export interface ModuloInputs {
  readonly hexes: readonly string[];
  readonly outputs: readonly ReadonlySet<string>[];
}

export function moduloInputEntries(
  drv: Derivation,
  lookup: HashModuloLookup,
): ModuloInputs | "deferred" {
  const hexes: string[] = [];
  const outputs: ReadonlySet<string>[] = [];
  let deferred = false;
  for (const path of drv.inputDrvs.keys()) {
    const h = lookup(path);
    if (h === undefined) {
      throw new DerivationError(
        "unknown-input-derivation",
        `hashDerivationModulo: input derivation '${path}' is not known`,
      );
    }
    if (h === "deferred") {
      deferred = true;
      continue;
    }
    const hex = typeof h === "string" ? h : toHex(h);
    // Insertion into hash order (derivations have few inputs); equal hashes merge.
    let i = hexes.length - 1;
    while (i >= 0 && hexes[i]! > hex) i--;
    const outs = drv.inputDrvs.get(path)!;
    if (i >= 0 && hexes[i] === hex) {
      outputs[i] = new Set([...outputs[i]!, ...outs]);
      continue;
    }
    // Shift the greater ones up (splice would allocate its result).
    hexes.push(hex);
    outputs.push(outs);
    for (let j = hexes.length - 1; j > i + 1; j--) {
      hexes[j] = hexes[j - 1]!;
      outputs[j] = outputs[j - 1]!;
    }
    hexes[i + 1] = hex;
    outputs[i + 1] = outs;
  }
  return deferred ? "deferred" : { hexes, outputs };
}

/** The ATerm that is hashed, as bytes (a view into the printer), or "deferred". */
function derivationModuloAtermBytes(
  drv: Derivation,
  lookup: HashModuloLookup,
  opts: HashModuloOptions,
): Uint8Array | "deferred" {
  // Every lookup (which may hash other derivations with the same printer) happens first.
  const m = moduloInputEntries(drv, lookup);
  if (m === "deferred") return "deferred";
  return printer.aterm(drv, m, sortedKeys(drv.env), opts.mask === true);
}

/** The ATerm that is hashed, as a byte string, or "deferred". */
export function derivationModuloAterm(
  drv: Derivation,
  lookup: HashModuloLookup,
  opts: HashModuloOptions = {},
): string | "deferred" {
  const bytes = derivationModuloAtermBytes(drv, lookup, opts);
  return bytes === "deferred" ? bytes : bytesToByteString(bytes);
}

/** Floating CA and impure derivations have no hash modulo; neither do their dependants. */
export function hasDeferredOutputKind(drv: Derivation): boolean {
  for (const o of drv.outputs.values()) {
    if (o.kind === "floating" || o.kind === "impure") return true;
    if (o.kind === "fixed") {
      throw new DerivationError(
        "invalid-fixed-output",
        "a fixed-output derivation must have exactly one output, 'out'",
      );
    }
  }
  return false;
}

/** hashDerivationModulo, or "deferred" when it cannot be known before building. */
export function tryHashDerivationModulo(
  drv: Derivation,
  lookup: HashModuloLookup,
  opts: HashModuloOptions = {},
): InputHashModulo {
  const fixed = fixedOutputHashModulo(drv);
  if (fixed !== undefined) return fixed;
  if (hasDeferredOutputKind(drv)) return "deferred";
  const aterm = derivationModuloAtermBytes(drv, lookup, opts);
  if (aterm === "deferred") return "deferred";
  return digest("sha256", aterm);
}

/** hashDerivationModulo; throws `DerivationError` (`deferred`) when it is not known yet. */
export function hashDerivationModulo(
  drv: Derivation,
  lookup: HashModuloLookup,
  opts: HashModuloOptions = {},
): Uint8Array {
  const h = tryHashDerivationModulo(drv, lookup, opts);
  if (h === "deferred") {
    throw new DerivationError(
      "deferred",
      "hashDerivationModulo is deferred: the derivation is or depends on a floating content-addressed or impure derivation",
    );
  }
  return h;
}

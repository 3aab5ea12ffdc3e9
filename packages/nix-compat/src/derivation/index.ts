/**
 * Derivations: model, ATerm, validation, hashDerivationModulo, paths, JSON forms.
 *
 * How `derivationStrict` uses this (strings are byte strings, see model.ts):
 *
 *   const drv = newDerivation({ system, builder, args });
 *   drv.env.set(key, value) for each attribute (or setStructuredAttrs(drv, attrs));
 *   drv.outputs.set(o, { kind: "deferred" }) for each output, or for a fixed-output derivation
 *     drv.outputs.set("out", { kind: "fixed", ca: new ContentAddress("flat" | "nar", parseNixHash(h, algo)) }),
 *     or { kind: "floating" | "impure", method, algo } (ca-derivations / impure-derivations);
 *   drv.inputDrvs / drv.inputSrcs from the string context;
 *   const { drvPath, aterm, outputPaths, hashModulo } = finalizeDerivation(drv, name, lookup);
 *   remember hashModulo under drvPath (that is what `lookup` returns for dependants) and write
 *   `aterm` to the store. An output without a path (floating CA, or deferred because an input
 *   is) is referred to by `downstreamPlaceholder(drvPath, o)`; `hashPlaceholder(o)` is
 *   `builtins.placeholder`.
 */

export type { ParseDerivationOptions } from "./aterm-parse.ts";
export { parseDerivation } from "./aterm-parse.ts";
export type { AtermOptions } from "./aterm-print.ts";
export { atermEscaped, printDerivation, printDerivationString } from "./aterm-print.ts";
export type { HashModuloLookup, HashModuloOptions, InputHashModulo } from "./hash-modulo.ts";
export {
  derivationModuloAterm,
  fixedOutputHashModulo,
  hashDerivationModulo,
  tryHashDerivationModulo,
} from "./hash-modulo.ts";
export type { DerivationJson, DerivationOutputJson, JsonStringOptions } from "./json.ts";
export {
  derivationFromJson,
  derivationJsonTree,
  derivationToJson,
  parseShowDerivationJson,
  showDerivationJson,
} from "./json.ts";
export type { JsonValue } from "./json-writer.ts";
export { jsonStringLiteral, writeJson } from "./json-writer.ts";
export type {
  DeferredOutput,
  Derivation,
  DerivationOutput,
  FixedOutput,
  FloatingOutput,
  ImpureOutput,
  InputAddressedOutput,
} from "./model.ts";
export {
  cloneDerivation,
  compareByteStrings,
  DerivationError,
  isFixedOutput,
  methodAlgoString,
  newDerivation,
  outputPath,
  outputPathName,
} from "./model.ts";
export type { FinalizedDerivation } from "./paths.ts";
export {
  derivationPath,
  derivationPathOfAterm,
  derivationReferences,
  downstreamPlaceholder,
  finalizeDerivation,
  validateDerivationName,
} from "./paths.ts";
export {
  encodeStructuredAttrs,
  getStructuredAttrs,
  hasStructuredAttrs,
  STRUCTURED_ATTRS_ENV,
  setStructuredAttrs,
} from "./structured-attrs.ts";
export type { ValidateOptions } from "./validate.ts";
export { validateDerivation } from "./validate.ts";

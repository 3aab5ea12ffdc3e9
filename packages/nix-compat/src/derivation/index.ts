/** Derivations: model, ATerm, validation, hashDerivationModulo, paths, JSON forms. */

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

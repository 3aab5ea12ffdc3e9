/**
 * The derivation data model.
 *
 * Strings: every string in a `Derivation` (system, builder, args, env keys and values, output
 * names) is a *byte string*: a JS string whose code units are the bytes 0..255 of the value
 * (`latin1Decode`/`latin1Encode` in `bytes.ts`). The evaluator keeps Nix strings the same way,
 * so values flow between the two without re-encoding, non-UTF-8 bytes round-trip exactly,
 * and JS string comparison (`<`) equals the bytewise order CppNix sorts by. Store paths are
 * absolute path strings (`/nix/store/<hash>-<name>`, always ASCII).
 *
 * Maps and sets keep insertion order; the ATerm printer sorts, so callers never need to.
 */
import { NixCompatError } from "../errors.ts";
import type { HashAlgo } from "../hash/algo.ts";
import type { ContentAddress, ContentAddressMethod } from "../hash/content-address.ts";
import { sortByteStrings } from "../sort.ts";

export class DerivationError extends NixCompatError {
  /** Byte offset into the parsed input, for parse errors. */
  readonly offset: number | undefined;
  constructor(code: string, message: string, options?: { cause?: unknown; offset?: number }) {
    super(code, message, options);
    this.offset = options?.offset;
  }
}

/** An output whose path is fixed by the derivation's inputs (hashDerivationModulo). */
export interface InputAddressedOutput {
  readonly kind: "input-addressed";
  readonly path: string;
}

/** An input-addressed output whose path is not known yet (masked form, CA-dependent drvs). */
export interface DeferredOutput {
  readonly kind: "deferred";
}

/** A fixed-output (`outputHash`) output. `path` is absent only before it has been computed. */
export interface FixedOutput {
  readonly kind: "fixed";
  readonly ca: ContentAddress;
  readonly path?: string;
}

/** A floating content-addressed output (experimental `ca-derivations`): `("out","","r:sha256","")`. */
export interface FloatingOutput {
  readonly kind: "floating";
  readonly method: ContentAddressMethod;
  readonly algo: HashAlgo;
}

/** An impure output (experimental `impure-derivations`): `("out","","r:sha256","impure")`. */
export interface ImpureOutput {
  readonly kind: "impure";
  readonly method: ContentAddressMethod;
  readonly algo: HashAlgo;
}

export type DerivationOutput =
  | InputAddressedOutput
  | DeferredOutput
  | FixedOutput
  | FloatingOutput
  | ImpureOutput;

export interface Derivation {
  /** Output name → output. */
  outputs: Map<string, DerivationOutput>;
  /** Absolute `.drv` path → names of the outputs used. */
  inputDrvs: Map<string, Set<string>>;
  /** Absolute store paths of plain inputs (sources, `toFile` files, deep `.drv` references). */
  inputSrcs: Set<string>;
  system: string;
  builder: string;
  args: string[];
  /** Environment of the builder; keys and values are byte strings. */
  env: Map<string, string>;
}

/** A derivation with nothing in it; fill the fields and call `finalizeDerivation`. */
export function newDerivation(init: Partial<Derivation> = {}): Derivation {
  return {
    outputs: init.outputs ?? new Map(),
    inputDrvs: init.inputDrvs ?? new Map(),
    inputSrcs: init.inputSrcs ?? new Set(),
    system: init.system ?? "",
    builder: init.builder ?? "",
    args: init.args ?? [],
    env: init.env ?? new Map(),
  };
}

/** A deep copy (outputs are immutable values and shared). */
export function cloneDerivation(drv: Derivation): Derivation {
  const inputDrvs = new Map<string, Set<string>>();
  for (const [k, v] of drv.inputDrvs) inputDrvs.set(k, new Set(v));
  return {
    outputs: new Map(drv.outputs),
    inputDrvs,
    inputSrcs: new Set(drv.inputSrcs),
    system: drv.system,
    builder: drv.builder,
    args: [...drv.args],
    env: new Map(drv.env),
  };
}

/** The output's store path, if it has one written down. */
export function outputPath(o: DerivationOutput): string | undefined {
  return o.kind === "input-addressed" || o.kind === "fixed" ? o.path : undefined;
}

/** True for a fixed-output derivation: exactly one output, `out`, with a fixed hash. */
export function isFixedOutput(drv: Derivation): boolean {
  if (drv.outputs.size !== 1) return false;
  const o = drv.outputs.get("out");
  return o !== undefined && o.kind === "fixed";
}

/** `r:sha256`, `sha1`, `text:sha256`: the ATerm/JSON spelling of a method and algorithm. */
export function methodAlgoString(method: ContentAddressMethod, algo: HashAlgo): string {
  switch (method) {
    case "flat":
      return algo;
    case "nar":
      return `r:${algo}`;
    case "text":
      return `text:${algo}`;
  }
}

/** Sorted copy of byte-string keys (bytewise order, as CppNix's std::map<std::string>). */
export function sortedKeys<V>(m: ReadonlyMap<string, V> | ReadonlySet<string>): string[] {
  const out: string[] = [];
  // forEach with `out` as `this`: no iterator results (this runs for maps and sets alike, where
  // a for-of loop stays generic and allocates one per key) and no closure.
  m.forEach(pushKey, out);
  return sortByteStrings(out);
}

function pushKey(this: string[], _value: unknown, key: string): void {
  this.push(key);
}

export { compareByteStrings, sortByteStrings, sortUniqueByteStrings } from "../sort.ts";

/** `name` for `out`, `name-output` otherwise: the store path name of an output. */
export function outputPathName(drvName: string, outputName: string): string {
  return outputName === "out" ? drvName : `${drvName}-${outputName}`;
}

/** A value for an error message: JSON-quoted (one line) and cut to 80 characters. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}

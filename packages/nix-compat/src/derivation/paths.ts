/**
 * Output paths, `.drv` paths and placeholders: what `derivationStrict` computes after it has
 * built the derivation's env, outputs and inputs (spec §5.7).
 */
import { fromHex, toHex, utf8Encode } from "../bytes.ts";
import { digest, digestByteString, digestHex } from "../crypto/index.ts";
import { encode as nb32Encode } from "../nixbase32.ts";
import { sortUniqueByteStrings } from "../sort.ts";
import {
  hashPlaceholder,
  makeFixedOutputPath,
  makeStorePathStringFromHex,
  makeTextPathFromHash,
  makeTextPathStringFromHex,
} from "../store-path/build.ts";
import { MAX_NAME_LENGTH, parseAbsoluteStorePath, validateName } from "../store-path/store-path.ts";
import { printDerivationString } from "./aterm-print.ts";
import { AtermWriter } from "./aterm-write.ts";
import { bytesToByteString } from "./byte-string.ts";
import {
  fixedOutputHashModulo,
  type HashModuloLookup,
  type InputHashModulo,
  type ModuloInputs,
  moduloInputEntries,
} from "./hash-modulo.ts";
import {
  type Derivation,
  DerivationError,
  type DerivationOutput,
  outputPathName,
  sortedKeys,
} from "./model.ts";
import { validateDerivation } from "./validate.ts";

/** Throws `DerivationError` unless `name` can name a derivation (`<name>.drv` is a store path name). */
export function validateDerivationName(name: string): void {
  try {
    validateName(name);
  } catch (e) {
    throw new DerivationError("invalid-name", `invalid derivation name: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (name.length + 4 > MAX_NAME_LENGTH) {
    throw new DerivationError(
      "invalid-name",
      `derivation name '${name}' is too long (its .drv name exceeds ${MAX_NAME_LENGTH} characters)`,
    );
  }
}

/** Sorted, de-duplicated references of a `.drv` file: its input sources and input derivations. */
export function derivationReferences(drv: Derivation): string[] {
  // Exact size: evaluations keep this array for every derivation.
  const refs: string[] = new Array(drv.inputSrcs.size + drv.inputDrvs.size);
  let n = 0;
  for (const p of drv.inputSrcs) refs[n++] = p;
  for (const p of drv.inputDrvs.keys()) refs[n++] = p;
  return sortUniqueByteStrings(refs);
}

/** Store path of the `.drv` file of `drv`, named `<name>.drv`, given its ATerm bytes. */
export function derivationPathOfAterm(aterm: Uint8Array, drv: Derivation, name: string): string {
  validateDerivationName(name);
  return makeTextPathFromHash(
    `${name}.drv`,
    digest("sha256", aterm),
    derivationReferences(drv),
  ).toAbsolutePath();
}

/** Store path of the `.drv` file of `drv` (text path of its ATerm, references = its inputs). */
export function derivationPath(drv: Derivation, name: string): string {
  validateDerivationName(name);
  return makeTextPathFromHash(
    `${name}.drv`,
    digestByteString("sha256", printDerivationString(drv)),
    derivationReferences(drv),
  ).toAbsolutePath();
}

/**
 * CppNix's placeholder for an output of a floating content-addressed derivation, used by
 * dependants before it is built: `/` + nixbase32(sha256("nix-upstream-output:<drv hash part>:<output path name>")).
 */
export function downstreamPlaceholder(drvPath: string, outputName: string): string {
  const p = parseAbsoluteStorePath(drvPath);
  if (!p.name.endsWith(".drv")) {
    throw new DerivationError("invalid-input-derivation", `'${drvPath}' is not a .drv path`);
  }
  const drvName = p.name.slice(0, -4);
  const clear = `nix-upstream-output:${p.hashPart}:${outputPathName(drvName, outputName)}`;
  return `/${nb32Encode(digest("sha256", utf8Encode(clear)))}`;
}

export interface FinalizedDerivation {
  /** The `.drv` store path. */
  drvPath: string;
  /** The `.drv` file contents (unless finalized with `keepAterm: false`). */
  readonly aterm: Uint8Array;
  /** The `.drv` file contents as a byte string (code units 0..255; unless `keepAterm: false`). */
  readonly atermString: string;
  /** Output name → path (absent for deferred, floating and impure outputs). */
  outputPaths: Map<string, string>;
  /** The (unmasked) hash modulo, to register for dependants' `HashModuloLookup`. */
  readonly hashModulo: InputHashModulo;
  /** `hashModulo` as lowercase hex (or "deferred"); a `HashModuloLookup` may return this. */
  hashModuloHex: string;
  /** Sorted references of the `.drv` file (`derivationReferences`). */
  references: string[];
}

export interface FinalizeOptions {
  /**
   * Keep the `.drv` contents (`aterm`, `atermString`). Default true; an evaluation that never
   * writes `.drv` files passes false and saves a copy per derivation.
   */
  keepAterm?: boolean;
}

/** Outputs are immutable values: one deferred output serves them all. */
const DEFERRED: DerivationOutput = Object.freeze({ kind: "deferred" });

/** One writer for every finalization: the ATerms are hashed from its buffer, never kept there. */
const writer = new AtermWriter();

/**
 * Fills in output paths and the env vars named after the outputs as `derivationStrict` does,
 * then validates and computes the `.drv` path. Mutates `drv`.
 *
 * Expects the outputs as the evaluator builds them: input-addressed outputs as `deferred` (or
 * with any path, which is replaced), the fixed output with its hash (`path` optional), or
 * floating/impure outputs.
 * - fixed: `out` = the fixed-output path of `name` and the hash; env `out` = that path.
 * - input-addressed: env[o] = "" for every output, hash the masked derivation, then each
 *   output's path = makeOutputPath(hash, o, name) in outputs and env. If an input is deferred
 *   (depends on floating CA), outputs stay deferred with env[o] = "" (as CppNix).
 * - floating/impure: env[o] = `hashPlaceholder(o)`.
 */
export function finalizeDerivation(
  drv: Derivation,
  name: string,
  lookup: HashModuloLookup,
  opts: FinalizeOptions = {},
): FinalizedDerivation {
  validateDerivationName(name);
  const outputPaths = new Map<string, string>();
  if (drv.outputs.size === 0) throw new DerivationError("no-outputs", "derivation has no outputs");
  let kind: string | undefined;
  for (const o of drv.outputs.values()) {
    const k = o.kind === "deferred" ? "input-addressed" : o.kind;
    if (kind === undefined) kind = k;
    else if (k !== kind)
      throw new DerivationError("mixed-output-kinds", `derivation mixes ${kind} and ${k} outputs`);
  }
  let moduloInputs: ModuloInputs | "deferred" | undefined;
  let envKeys: string[] | undefined;
  const w = writer;

  if (kind === "fixed") {
    const o = drv.outputs.get("out");
    if (drv.outputs.size !== 1 || o === undefined || o.kind !== "fixed") {
      throw new DerivationError(
        "invalid-fixed-output",
        "a fixed-output derivation must have exactly one output, 'out'",
      );
    }
    let path: string;
    try {
      path = makeFixedOutputPath(name, o.ca).toAbsolutePath();
    } catch (e) {
      throw new DerivationError("invalid-name", (e as Error).message, { cause: e });
    }
    drv.outputs.set("out", { kind: "fixed", ca: o.ca, path });
    drv.env.set("out", path);
    outputPaths.set("out", path);
  } else if (kind === "input-addressed") {
    const names = [...drv.outputs.keys()];
    for (const o of names) {
      drv.outputs.set(o, DEFERRED);
      drv.env.set(o, "");
    }
    // Outputs and their env vars are blank now: this writes the masked form.
    moduloInputs = moduloInputEntries(drv, lookup);
    envKeys = sortedKeys(drv.env);
    if (moduloInputs !== "deferred") {
      const h = digestHex("sha256", w.aterm(drv, moduloInputs, envKeys, false));
      for (const o of names) {
        let path: string;
        try {
          path = makeStorePathStringFromHex(`output:${o}`, h, outputPathName(name, o));
        } catch (e) {
          throw new DerivationError("invalid-name", (e as Error).message, { cause: e });
        }
        const out: DerivationOutput = { kind: "input-addressed", path };
        drv.outputs.set(o, out);
        drv.env.set(o, path);
        outputPaths.set(o, path);
      }
    }
  } else {
    for (const o of drv.outputs.keys()) drv.env.set(o, hashPlaceholder(o));
  }

  validateDerivation(drv, { requireOutputPaths: false });
  envKeys ??= sortedKeys(drv.env);
  const aterm = w.aterm(drv, drv.inputDrvs, envKeys, false);
  const atermBytes = opts.keepAterm === false ? undefined : new Uint8Array(aterm); // a copy
  const references = derivationReferences(drv);
  const drvPath = makeTextPathStringFromHex(`${name}.drv`, digestHex("sha256", aterm), references);
  let hashModuloHex: string;
  if (kind === "fixed") hashModuloHex = toHex(fixedOutputHashModulo(drv)!);
  else if (moduloInputs === undefined || moduloInputs === "deferred") hashModuloHex = "deferred";
  else hashModuloHex = digestHex("sha256", w.withInputs(moduloInputs));
  return new Finalized(drvPath, hashModuloHex, atermBytes, outputPaths, references);
}

/** `FinalizedDerivation` with its derived forms computed on first use. */
class Finalized implements FinalizedDerivation {
  drvPath: string;
  hashModuloHex: string;
  outputPaths: Map<string, string>;
  references: string[];
  readonly #aterm: Uint8Array | undefined;
  #atermString: string | undefined;
  #modulo: InputHashModulo | undefined;

  constructor(
    drvPath: string,
    hashModuloHex: string,
    aterm: Uint8Array | undefined,
    outputPaths: Map<string, string>,
    references: string[],
  ) {
    this.drvPath = drvPath;
    this.hashModuloHex = hashModuloHex;
    this.#aterm = aterm;
    this.outputPaths = outputPaths;
    this.references = references;
  }

  get hashModulo(): InputHashModulo {
    this.#modulo ??= this.hashModuloHex === "deferred" ? "deferred" : fromHex(this.hashModuloHex)!;
    return this.#modulo;
  }

  get aterm(): Uint8Array {
    if (this.#aterm === undefined)
      throw new DerivationError("aterm-not-kept", "finalizeDerivation ran with keepAterm: false");
    return this.#aterm;
  }

  get atermString(): string {
    this.#atermString ??= bytesToByteString(this.aterm);
    return this.#atermString;
  }
}

import { makeFixedOutputPath } from "../store-path/build.ts";
import {
  isAbsoluteStorePath,
  isValidName,
  parseAbsoluteStorePath,
} from "../store-path/store-path.ts";
import { type Derivation, DerivationError, type DerivationOutput, quote } from "./model.ts";

export interface ValidateOptions {
  /**
   * Every output must have its path (input-addressed or fixed). Default true. Off for parsed
   * files, which may hold deferred, floating or impure outputs.
   */
  requireOutputPaths?: boolean;
  /**
   * The derivation's name (the `.drv` file name without `.drv`). When given, a fixed output's
   * path must be the one its hash gives, as current CppNix checks when parsing.
   */
  name?: string;
}

/** Throws `invalid-store-path` (with the parser's reason as the cause) unless `p` is a store path. */
function checkStorePath(
  p: string,
  what: "output" | "input derivation" | "input source",
  name = p,
): void {
  if (isAbsoluteStorePath(p)) return;
  try {
    parseAbsoluteStorePath(p);
  } catch (e) {
    const message =
      what === "output"
        ? `output ${quote(name)} has invalid path`
        : what === "input derivation"
          ? `invalid input derivation path ${quote(p)}`
          : `invalid input source ${quote(p)}`;
    throw new DerivationError("invalid-store-path", message, { cause: e });
  }
}

function fail(code: string, message: string): never {
  throw new DerivationError(code, message);
}

/** `where` is the input derivation's path, or undefined for the derivation's own outputs. */
function checkOutputName(name: string, where?: string): void {
  let problem: string | undefined;
  if (name === "") problem = "output name is empty";
  else if (name === "drv") problem = "output name 'drv' is not allowed";
  else if (!isValidName(name)) problem = `output name ${quote(name)} is not valid`;
  if (problem !== undefined) {
    const w = where === undefined ? "derivation output" : `input derivation ${quote(where)}`;
    fail("invalid-output-name", `${w}: ${problem}`);
  }
}

type KindGroup = "input-addressed" | "fixed" | "floating" | "impure";

function group(o: DerivationOutput): KindGroup {
  return o.kind === "deferred" ? "input-addressed" : o.kind;
}

/**
 * Checks what a derivation must satisfy (spec §5.4, plus CppNix's rule that output kinds do not
 * mix). Throws `DerivationError`.
 */
export function validateDerivation(drv: Derivation, opts: ValidateOptions = {}): void {
  const requirePaths = opts.requireOutputPaths !== false;
  if (drv.outputs.size === 0) fail("no-outputs", "derivation has no outputs");

  let kind: KindGroup | undefined;
  let floatingAlgo: string | undefined;
  for (const name of drv.outputs.keys()) {
    const o = drv.outputs.get(name)!;
    checkOutputName(name);
    const g = group(o);
    if (kind === undefined) kind = g;
    else if (kind !== g) {
      fail("mixed-output-kinds", `derivation mixes ${kind} and ${g} outputs`);
    }
    switch (o.kind) {
      case "fixed":
        if (o.ca.method === "text") {
          fail(
            "invalid-fixed-output",
            `output ${quote(name)}: text hashing is not allowed for outputs`,
          );
        }
        if (o.path !== undefined) {
          checkStorePath(o.path, "output", name);
        } else if (requirePaths) {
          fail("missing-output-path", `output ${quote(name)} has no path`);
        }
        break;
      case "input-addressed":
        checkStorePath(o.path, "output", name);
        break;
      case "deferred":
        if (requirePaths) fail("missing-output-path", `output ${quote(name)} has no path`);
        break;
      case "floating":
      case "impure": {
        if (requirePaths) fail("missing-output-path", `output ${quote(name)} has no path`);
        const a = `${o.method}:${o.algo}`;
        if (floatingAlgo !== undefined && floatingAlgo !== a) {
          fail("mixed-output-kinds", "content-addressed outputs must all use the same hashing");
        }
        floatingAlgo = a;
        break;
      }
    }
  }
  if (kind === "fixed") {
    if (drv.outputs.size !== 1 || !drv.outputs.has("out")) {
      fail("invalid-fixed-output", "a fixed-output derivation must have exactly one output, 'out'");
    }
    const o = drv.outputs.get("out")!;
    if (opts.name !== undefined && o.kind === "fixed" && o.path !== undefined) {
      let expected: string;
      try {
        expected = makeFixedOutputPath(opts.name, o.ca).toAbsolutePath();
      } catch (e) {
        throw new DerivationError("invalid-name", `invalid derivation name ${quote(opts.name)}`, {
          cause: e,
        });
      }
      if (expected !== o.path) {
        fail(
          "fixed-output-path-mismatch",
          `output 'out' has path ${quote(o.path)}, but its hash gives ${quote(expected)}`,
        );
      }
    }
  }

  for (const path of drv.inputDrvs.keys()) {
    const names = drv.inputDrvs.get(path)!;
    checkStorePath(path, "input derivation");
    if (!path.endsWith(".drv")) {
      fail("invalid-input-derivation", `input derivation ${quote(path)} does not end in .drv`);
    }
    if (names.size === 0) {
      fail("invalid-input-derivation", `input derivation ${quote(path)} has no outputs listed`);
    }
    for (const n of names) checkOutputName(n, path);
  }
  for (const p of drv.inputSrcs) checkStorePath(p, "input source");
  if (drv.system === "") fail("empty-system", "derivation has an empty system");
  if (drv.builder === "") fail("empty-builder", "derivation has an empty builder");
  if (drv.env.has("")) fail("empty-env-key", "derivation has an empty environment variable name");
}

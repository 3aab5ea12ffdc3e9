/**
 * JSON forms of a derivation (spec §5.9).
 *
 * - The object form (`derivationToJson`/`derivationFromJson`): what the conformance fixtures'
 *   `.drv.json` files hold and what Nix 2.8's `nix show-derivation` prints for each derivation:
 *   `{outputs, inputSrcs, inputDrvs, system, builder, args, env}`, each output
 *   `{path?, hashAlgo?, hash? (lowercase hex), impure?}`. It holds Unicode JS strings; a
 *   derivation with non-UTF-8 bytes has no faithful Unicode JSON form (`not-utf8` error),
 *   unless `strings: "bytes"` is chosen, in which case strings stay byte strings.
 * - `showDerivationJson`: the exact bytes of `nix show-derivation` (Nix 2.8):
 *   `{"<drvPath>": {…}}` pretty-printed, keys sorted by path, trailing newline, non-UTF-8 bytes
 *   written verbatim as Nix does.
 */
import { isUtf8, latin1Decode, latin1Encode, utf8Encode } from "../bytes.ts";
import { isHashAlgo } from "../hash/algo.ts";
import { ContentAddress, type ContentAddressMethod } from "../hash/content-address.ts";
import { decodeDigest, NixHash } from "../hash/nix-hash.ts";
import { type JsonValue, writeJson } from "./json-writer.ts";
import {
  compareByteStrings,
  type Derivation,
  DerivationError,
  type DerivationOutput,
  methodAlgoString,
  sortedKeys,
} from "./model.ts";
import { validateDerivation } from "./validate.ts";

export interface DerivationOutputJson {
  path?: string;
  hashAlgo?: string;
  hash?: string;
  impure?: boolean;
}

export interface DerivationJson {
  outputs: Record<string, DerivationOutputJson>;
  inputSrcs: string[];
  inputDrvs: Record<string, string[]>;
  system: string;
  builder: string;
  args: string[];
  env: Record<string, string>;
}

export interface JsonStringOptions {
  /**
   * `"unicode"` (default): JSON strings are text, converted to/from the byte strings of the
   * model through UTF-8. `"bytes"`: JSON strings are byte strings already (for example
   * `JSON.parse(latin1Decode(bytes))`, which is how Nix's own output reads back exactly).
   */
  strings?: "unicode" | "bytes";
}

function outputJsonMap(o: DerivationOutput): Map<string, JsonValue> {
  const m = new Map<string, JsonValue>();
  switch (o.kind) {
    case "input-addressed":
      m.set("path", o.path);
      break;
    case "deferred":
      break;
    case "fixed":
      if (o.path !== undefined) m.set("path", o.path);
      m.set("hashAlgo", methodAlgoString(o.ca.method, o.ca.hash.algo));
      m.set("hash", o.ca.hash.toHex());
      break;
    case "floating":
      m.set("hashAlgo", methodAlgoString(o.method, o.algo));
      break;
    case "impure":
      m.set("hashAlgo", methodAlgoString(o.method, o.algo));
      m.set("impure", true);
      break;
  }
  return m;
}

/** The derivation as an ordered JSON tree of byte strings (Nix 2.8 key order). */
export function derivationJsonTree(drv: Derivation): Map<string, JsonValue> {
  const outputs = new Map<string, JsonValue>();
  for (const name of sortedKeys(drv.outputs))
    outputs.set(name, outputJsonMap(drv.outputs.get(name)!));
  const inputDrvs = new Map<string, JsonValue>();
  for (const p of sortedKeys(drv.inputDrvs)) {
    inputDrvs.set(p, [...drv.inputDrvs.get(p)!].sort(compareByteStrings));
  }
  const env = new Map<string, JsonValue>();
  for (const k of sortedKeys(drv.env)) env.set(k, drv.env.get(k)!);
  return new Map<string, JsonValue>([
    ["outputs", outputs],
    ["inputSrcs", sortedKeys(drv.inputSrcs)],
    ["inputDrvs", inputDrvs],
    ["system", drv.system],
    ["builder", drv.builder],
    ["args", [...drv.args]],
    ["env", env],
  ]);
}

/** The exact bytes `nix show-derivation` (Nix 2.8) prints for these `.drv` paths. */
export function showDerivationJson(entries: Iterable<readonly [string, Derivation]>): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareByteStrings(a[0], b[0]));
  const root = new Map<string, JsonValue>();
  for (const [path, drv] of sorted) root.set(path, derivationJsonTree(drv));
  return latin1Encode(`${writeJson(root, { pretty: true })}\n`);
}

function toText(s: string, mode: "unicode" | "bytes", what: string): string {
  if (mode === "bytes") return s;
  const b = latin1Encode(s);
  if (!isUtf8(b)) {
    throw new DerivationError("not-utf8", `${what} is not valid UTF-8 and has no JSON text form`);
  }
  return new TextDecoder().decode(b);
}

/** The object form; strings are Unicode text unless `strings: "bytes"`. */
export function derivationToJson(drv: Derivation, opts: JsonStringOptions = {}): DerivationJson {
  const mode = opts.strings ?? "unicode";
  const t = (s: string, what: string) => toText(s, mode, what);
  const outputs: Record<string, DerivationOutputJson> = {};
  for (const name of sortedKeys(drv.outputs)) {
    const o: DerivationOutputJson = {};
    for (const [k, v] of outputJsonMap(drv.outputs.get(name)!)) {
      (o as Record<string, unknown>)[k] = v;
    }
    outputs[t(name, "output name")] = o;
  }
  const inputDrvs: Record<string, string[]> = {};
  for (const p of sortedKeys(drv.inputDrvs)) {
    inputDrvs[p] = [...drv.inputDrvs.get(p)!]
      .sort(compareByteStrings)
      .map((n) => t(n, "output name"));
  }
  const env: Record<string, string> = {};
  for (const k of sortedKeys(drv.env)) {
    env[t(k, "env key")] = t(drv.env.get(k)!, `env value of '${k}'`);
  }
  return {
    outputs,
    inputSrcs: sortedKeys(drv.inputSrcs),
    inputDrvs,
    system: t(drv.system, "system"),
    builder: t(drv.builder, "builder"),
    args: drv.args.map((a) => t(a, "argument")),
    env,
  };
}

function bad(message: string): never {
  throw new DerivationError("invalid-json", `invalid derivation JSON: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseOutputJson(
  name: string,
  v: unknown,
  str: (s: unknown, w: string) => string,
): DerivationOutput {
  if (!isObject(v)) bad(`output '${name}' is not an object`);
  const path =
    v.path === undefined || v.path === null ? undefined : str(v.path, `outputs.${name}.path`);
  const hashAlgo =
    v.hashAlgo === undefined || v.hashAlgo === null
      ? ""
      : str(v.hashAlgo, `outputs.${name}.hashAlgo`);
  const hash = v.hash === undefined || v.hash === null ? "" : str(v.hash, `outputs.${name}.hash`);
  if (v.impure !== undefined && typeof v.impure !== "boolean")
    bad(`outputs.${name}.impure is not a boolean`);
  const impure = v.impure === true;
  if (hashAlgo === "") {
    if (hash !== "" || impure) bad(`output '${name}' has a hash but no hashAlgo`);
    return path === undefined || path === ""
      ? { kind: "deferred" }
      : { kind: "input-addressed", path };
  }
  let method: ContentAddressMethod = "flat";
  let algo = hashAlgo;
  if (algo.startsWith("r:")) {
    method = "nar";
    algo = algo.slice(2);
  } else if (algo.startsWith("text:")) {
    method = "text";
    algo = algo.slice(5);
  }
  if (!isHashAlgo(algo)) bad(`output '${name}' has unknown hashAlgo '${hashAlgo}'`);
  if (impure) {
    if (path !== undefined || hash !== "") bad(`impure output '${name}' has a path or hash`);
    return { kind: "impure", method, algo };
  }
  if (hash === "") {
    if (path !== undefined) bad(`floating output '${name}' has a path`);
    return { kind: "floating", method, algo };
  }
  let ca: ContentAddress;
  try {
    ca = new ContentAddress(method, new NixHash(algo, decodeDigest(algo, hash)));
  } catch (e) {
    throw new DerivationError(
      "invalid-json",
      `output '${name}' has an invalid hash: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return path === undefined ? { kind: "fixed", ca } : { kind: "fixed", ca, path };
}

/**
 * Reads the object form (fixture `.drv.json`, or one value of `nix show-derivation`). Output
 * hashes may be hex, nixbase32 or base64. Validates (`requireOutputPaths: false`).
 */
export function derivationFromJson(v: unknown, opts: JsonStringOptions = {}): Derivation {
  const mode = opts.strings ?? "unicode";
  const str = (s: unknown, what: string): string => {
    if (typeof s !== "string") bad(`${what} is not a string`);
    if (mode === "bytes") {
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) > 255) bad(`${what} is not a byte string`);
      }
      return s;
    }
    return latin1Decode(utf8Encode(s));
  };
  const arr = (a: unknown, what: string): unknown[] => {
    if (!Array.isArray(a)) bad(`${what} is not an array`);
    return a;
  };
  const obj = (o: unknown, what: string): Record<string, unknown> => {
    if (!isObject(o)) bad(`${what} is not an object`);
    return o;
  };
  const root = obj(v, "derivation");

  const outputs = new Map<string, DerivationOutput>();
  for (const [k, o] of Object.entries(obj(root.outputs, "outputs"))) {
    const name = str(k, "output name");
    outputs.set(name, parseOutputJson(name, o, str));
  }
  const inputSrcs = new Set<string>();
  for (const p of arr(root.inputSrcs, "inputSrcs")) {
    const s = str(p, "inputSrcs entry");
    if (inputSrcs.has(s))
      throw new DerivationError("duplicate-input-source", `duplicate input source '${s}'`);
    inputSrcs.add(s);
  }
  const inputDrvs = new Map<string, Set<string>>();
  for (const [k, outs] of Object.entries(obj(root.inputDrvs, "inputDrvs"))) {
    const path = str(k, "inputDrvs key");
    const names = new Set<string>();
    for (const n of arr(outs, `inputDrvs.${k}`)) {
      const s = str(n, `inputDrvs.${k} entry`);
      if (names.has(s)) {
        throw new DerivationError(
          "duplicate-input-derivation-output-name",
          `duplicate output '${s}' of input derivation '${path}'`,
        );
      }
      names.add(s);
    }
    inputDrvs.set(path, names);
  }
  const env = new Map<string, string>();
  for (const [k, val] of Object.entries(obj(root.env, "env"))) {
    env.set(str(k, "env key"), str(val, `env.${k}`));
  }
  const drv: Derivation = {
    outputs,
    inputDrvs,
    inputSrcs,
    system: str(root.system, "system"),
    builder: str(root.builder, "builder"),
    args: arr(root.args, "args").map((a, i) => str(a, `args[${i}]`)),
    env,
  };
  validateDerivation(drv, { requireOutputPaths: false });
  return drv;
}

/**
 * Reads `nix show-derivation` output bytes (exact, including non-UTF-8 env values) into
 * drv path → derivation.
 */
export function parseShowDerivationJson(bytes: Uint8Array): Map<string, Derivation> {
  let root: unknown;
  try {
    root = JSON.parse(latin1Decode(bytes));
  } catch (e) {
    throw new DerivationError("invalid-json", `invalid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!isObject(root)) bad("top level is not an object");
  const out = new Map<string, Derivation>();
  for (const [k, v] of Object.entries(root))
    out.set(k, derivationFromJson(v, { strings: "bytes" }));
  return out;
}

/**
 * ATerm serialisation of derivations, byte for byte as CppNix writes `.drv` files:
 *
 *   Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])
 *
 * Like CppNix, only builder, args, env keys and env values are escaped (`\\ \" \n \r \t`);
 * output fields, input paths and output names, and system are written raw.
 */
import { latin1Encode } from "../bytes.ts";
import {
  compareByteStrings,
  type Derivation,
  type DerivationOutput,
  methodAlgoString,
  sortedKeys,
} from "./model.ts";

const NEEDS_ESCAPE = /[\\"\n\r\t]/;
const ESCAPE_ALL = /[\\"\n\r\t]/g;

function escapeChar(c: string): string {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return `\\${c}`;
  }
}

/** `"…"` with CppNix's escaping. */
export function atermEscaped(s: string): string {
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(ESCAPE_ALL, escapeChar)}"` : `"${s}"`;
}

function raw(s: string): string {
  return `"${s}"`;
}

function outputTuple(name: string, o: DerivationOutput, masked: boolean): string {
  if (masked) return `(${raw(name)},"","","")`;
  switch (o.kind) {
    case "input-addressed":
      return `(${raw(name)},${raw(o.path)},"","")`;
    case "deferred":
      return `(${raw(name)},"","","")`;
    case "fixed":
      return `(${raw(name)},${raw(o.path ?? "")},${raw(
        methodAlgoString(o.ca.method, o.ca.hash.algo),
      )},${raw(o.ca.hash.toHex())})`;
    case "floating":
      return `(${raw(name)},"",${raw(methodAlgoString(o.method, o.algo))},"")`;
    case "impure":
      return `(${raw(name)},"",${raw(methodAlgoString(o.method, o.algo))},"impure")`;
  }
}

export interface AtermOptions {
  /**
   * Replaces `inputDrvs` (hashDerivationModulo puts hex hashes in place of the paths).
   * Keys are written raw, sorted as strings.
   */
  inputDrvs?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Blank every output path, and every env var named like an output (CppNix maskOutputs). */
  maskOutputs?: boolean;
}

/** The ATerm as a byte string (code units 0..255). */
export function printDerivationString(drv: Derivation, opts: AtermOptions = {}): string {
  const masked = opts.maskOutputs === true;
  const parts: string[] = [];

  const outs: string[] = [];
  for (const name of sortedKeys(drv.outputs)) {
    outs.push(outputTuple(name, drv.outputs.get(name)!, masked));
  }
  parts.push(`Derive([${outs.join(",")}]`);

  const inputDrvs = opts.inputDrvs ?? drv.inputDrvs;
  const ins: string[] = [];
  for (const path of sortedKeys(inputDrvs)) {
    const names = [...inputDrvs.get(path)!].sort(compareByteStrings);
    ins.push(`(${raw(path)},[${names.map(raw).join(",")}])`);
  }
  parts.push(`[${ins.join(",")}]`);

  parts.push(`[${sortedKeys(drv.inputSrcs).map(raw).join(",")}]`);
  parts.push(raw(drv.system));
  parts.push(atermEscaped(drv.builder));
  parts.push(`[${drv.args.map(atermEscaped).join(",")}]`);

  const env: string[] = [];
  for (const key of sortedKeys(drv.env)) {
    const value = masked && drv.outputs.has(key) ? "" : drv.env.get(key)!;
    env.push(`(${atermEscaped(key)},${atermEscaped(value)})`);
  }
  parts.push(`[${env.join(",")}])`);
  return parts.join(",");
}

/** The `.drv` file contents. */
export function printDerivation(drv: Derivation, opts: AtermOptions = {}): Uint8Array {
  return latin1Encode(printDerivationString(drv, opts));
}

/**
 * ATerm serialisation of derivations, byte for byte as CppNix writes `.drv` files:
 *
 *   Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])
 *
 * Like CppNix, only builder, args, env keys and env values are escaped (`\\ \" \n \r \t`);
 * output fields, input paths and output names, and system are written raw.
 */
import { byteStringToBytes } from "./byte-string.ts";
import { type Derivation, type DerivationOutput, methodAlgoString, sortedKeys } from "./model.ts";

const NEEDS_ESCAPE = /[\\"\n\r\t]/;

/** `"…"` with CppNix's escaping (`\\ \" \n \r \t`; every other byte as it is). */
export function atermEscaped(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    let r: string;
    switch (s.charCodeAt(i)) {
      case 34:
        r = '\\"';
        break;
      case 92:
        r = "\\\\";
        break;
      case 10:
        r = "\\n";
        break;
      case 13:
        r = "\\r";
        break;
      case 9:
        r = "\\t";
        break;
      default:
        continue;
    }
    out += s.slice(last, i) + r;
    last = i + 1;
  }
  return `${out}${s.slice(last)}"`;
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

/**
 * The three sections of an ATerm: `Derive([outputs]`, `[inputDrvs]`, and the tail
 * `,[inputSrcs],"system","builder",[args],[env])`. The whole ATerm is `head + "," + inputs +
 * tail`; hashDerivationModulo re-uses sections instead of printing the same env again.
 */
// The printers below concatenate directly rather than through arrays and `join`: they run
// several times per derivation, and `derivationStrict` is the evaluator's hottest builtin.
export function atermHead(drv: Derivation, masked = false): string {
  const names = drv.outputs.size === 1 ? drv.outputs.keys() : sortedKeys(drv.outputs);
  let s = "Derive([";
  let first = true;
  for (const name of names) {
    if (!first) s += ",";
    first = false;
    s += outputTuple(name, drv.outputs.get(name)!, masked);
  }
  return `${s}]`;
}

/** `("path",["out1","out2"])` with the output names sorted. */
export function atermInputDrv(path: string, outputs: ReadonlySet<string>): string {
  let s = `("${path}",[`;
  if (outputs.size === 1) for (const n of outputs) s += `"${n}"`;
  else s += joinRaw(sortedKeys(outputs));
  return `${s}])`;
}

function joinRaw(items: readonly string[]): string {
  let s = "";
  for (let i = 0; i < items.length; i++) s += i === 0 ? `"${items[i]}"` : `,"${items[i]}"`;
  return s;
}

export function atermInputDrvs(inputDrvs: ReadonlyMap<string, ReadonlySet<string>>): string {
  let s = "[";
  let first = true;
  for (const path of sortedKeys(inputDrvs)) {
    if (!first) s += ",";
    first = false;
    s += atermInputDrv(path, inputDrvs.get(path)!);
  }
  return `${s}]`;
}

export function atermTail(drv: Derivation, masked = false): string {
  return joinAtermTail(atermTailParts(drv, masked));
}

/**
 * The tail in pieces: everything before the env, each env entry `(key,value)` and the sorted
 * keys, so that entries can be replaced (output paths filled in) without printing the rest again.
 */
export interface AtermTailParts {
  readonly before: string;
  readonly keys: readonly string[];
  readonly entries: string[];
}

export function atermTailParts(drv: Derivation, masked = false): AtermTailParts {
  const keys = sortedKeys(drv.env);
  const entries = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = masked && drv.outputs.has(key) ? "" : drv.env.get(key)!;
    entries[i] = atermEnvEntry(key, value);
  }
  let args = "";
  for (let i = 0; i < drv.args.length; i++) {
    if (i > 0) args += ",";
    args += atermEscaped(drv.args[i]!);
  }
  const before = `,[${joinRaw(sortedKeys(drv.inputSrcs))}],${raw(drv.system)},${atermEscaped(
    drv.builder,
  )},[${args}],[`;
  return { before, keys, entries };
}

export function atermEnvEntry(key: string, value: string): string {
  return `(${atermEscaped(key)},${atermEscaped(value)})`;
}

export function joinAtermTail(parts: AtermTailParts): string {
  return `${parts.before}${parts.entries.join(",")}])`;
}

/** The ATerm as a byte string (code units 0..255). */
export function printDerivationString(drv: Derivation, opts: AtermOptions = {}): string {
  const masked = opts.maskOutputs === true;
  return `${atermHead(drv, masked)},${atermInputDrvs(opts.inputDrvs ?? drv.inputDrvs)}${atermTail(drv, masked)}`;
}

/** The `.drv` file contents. */
export function printDerivation(drv: Derivation, opts: AtermOptions = {}): Uint8Array {
  return byteStringToBytes(printDerivationString(drv, opts));
}

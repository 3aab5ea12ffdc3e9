/**
 * ATerm serialisation of derivations, byte for byte as CppNix writes `.drv` files:
 *
 *   Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])
 *
 * written by `AtermWriter` (aterm-write.ts), which also hashes them in `finalizeDerivation`.
 */
import { AtermWriter, NEEDS_ESCAPE } from "./aterm-write.ts";
import { bytesToByteString } from "./byte-string.ts";
import { type Derivation, sortedKeys } from "./model.ts";

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
 * The writer of `printDerivation` and the hash-modulo ATerm (`finalizeDerivation` has its own).
 * Nothing is written while a lookup runs, so nested derivations never share a half-written ATerm.
 */
export const printer = new AtermWriter();

function write(drv: Derivation, opts: AtermOptions): Uint8Array {
  return printer.aterm(
    drv,
    opts.inputDrvs ?? drv.inputDrvs,
    sortedKeys(drv.env),
    opts.maskOutputs === true,
  );
}

/** The ATerm as a byte string (code units 0..255). */
export function printDerivationString(drv: Derivation, opts: AtermOptions = {}): string {
  return bytesToByteString(write(drv, opts));
}

/** The `.drv` file contents. */
export function printDerivation(drv: Derivation, opts: AtermOptions = {}): Uint8Array {
  return new Uint8Array(write(drv, opts));
}

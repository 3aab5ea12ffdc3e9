/**
 * ATerm bytes written straight into a reusable buffer, for hashing. `finalizeDerivation` hashes
 * three ATerms per derivation (masked, final, hash modulo); building each as a string, checking
 * it and encoding it for the hash allocated several kilobytes per derivation, which an
 * evaluation creating tens of thousands of derivations paid for in garbage collection.
 *
 * Byte strings (code units 0..255) are written one byte per code unit. This is the only ATerm
 * printer: `printDerivation` and the hash-modulo ATerm write through it too. Like CppNix, only
 * builder, args, env keys and env values are escaped; output fields, input paths, output names
 * and system are written raw.
 */
import type { ModuloInputs } from "./hash-modulo.ts";
import { type Derivation, type DerivationOutput, methodAlgoString, sortedKeys } from "./model.ts";

/**
 * Node's `Buffer`, when the host has one: its `latin1Write` copies a string's one-byte
 * characters natively, several times faster than a JavaScript loop for the paths and values
 * of an ATerm. Looked up, not imported: nix-compat stays host-neutral, and other hosts use the
 * loop.
 */
interface Latin1Buffer extends Uint8Array {
  latin1Write(s: string, offset: number): number;
}
const NodeBuffer = (
  globalThis as unknown as { Buffer?: { allocUnsafeSlow(size: number): Latin1Buffer } }
).Buffer;

/** The characters CppNix escapes in builder, args and env (`atermEscaped` uses it too). */
export const NEEDS_ESCAPE = /[\\"\n\r\t]/;

export class AtermWriter {
  private buf: Uint8Array;
  /** The same bytes as a plain Uint8Array: its views are cheaper to make than a Buffer's. */
  private plain: Uint8Array;
  private n = 0;
  /** Where the inputs and the tail of the ATerm last written by `aterm` begin and where it ends. */
  private inputsAt = 0;
  private tailAt = 0;
  private end = 0;
  /** Copy with the host's `latin1Write` (when there is one); false forces the portable loop. */
  private readonly hostCopy: boolean;

  constructor(opts: { hostCopy?: boolean } = {}) {
    this.hostCopy = opts.hostCopy !== false && NodeBuffer !== undefined;
    this.buf = this.allocate(8192);
    this.plain = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  private allocate(size: number): Uint8Array {
    return this.hostCopy ? NodeBuffer!.allocUnsafeSlow(size) : new Uint8Array(size);
  }

  reset(): void {
    this.n = 0;
  }

  /** The bytes written since `reset` (a view into the writer's buffer: valid until the next write). */
  view(): Uint8Array {
    return this.plain.subarray(0, this.n);
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const next = this.allocate(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.plain = new Uint8Array(next.buffer, next.byteOffset, next.length);
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.n++] = c;
  }

  /** `s` as it is. */
  raw(s: string): void {
    this.reserve(s.length);
    this.n = this.copy(s, this.n);
  }

  /** Copies `s` (one byte per code unit) to `n`; returns the end. */
  private copy(s: string, n: number): number {
    const buf = this.buf;
    if (this.hostCopy && s.length > 8) return n + (buf as Latin1Buffer).latin1Write(s, n);
    for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    return n;
  }

  /** `"s"`, unescaped (paths, output names, hashes, system). */
  quoted(s: string): void {
    this.reserve(s.length + 2);
    const buf = this.buf;
    let n = this.n;
    buf[n++] = 34;
    n = this.copy(s, n);
    buf[n++] = 34;
    this.n = n;
  }

  /** `"s"` with CppNix's escaping of `\ " \n \r \t`. */
  escaped(s: string): void {
    if (!NEEDS_ESCAPE.test(s)) {
      this.quoted(s);
      return;
    }
    this.reserve(2 * s.length + 2);
    const buf = this.buf;
    let n = this.n;
    buf[n++] = 34;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 34 || c === 92) {
        buf[n++] = 92;
        buf[n++] = c;
      } else if (c === 10) {
        buf[n++] = 92;
        buf[n++] = 110;
      } else if (c === 13) {
        buf[n++] = 92;
        buf[n++] = 114;
      } else if (c === 9) {
        buf[n++] = 92;
        buf[n++] = 116;
      } else buf[n++] = c;
    }
    buf[n++] = 34;
    this.n = n;
  }

  /** `Derive([outputs]` (output paths blank when `masked`). */
  head(drv: Derivation, masked: boolean): void {
    this.raw("Derive([");
    const names = drv.outputs.size === 1 ? drv.outputs.keys() : sortedKeys(drv.outputs);
    let first = true;
    for (const name of names) {
      if (!first) this.byte(44);
      first = false;
      this.output(name, drv.outputs.get(name)!, masked);
    }
    this.byte(93);
  }

  private output(name: string, o: DerivationOutput, masked: boolean): void {
    this.byte(40);
    this.quoted(name);
    if (masked || o.kind === "deferred") this.raw(',"","","")');
    else if (o.kind === "input-addressed") {
      this.byte(44);
      this.quoted(o.path);
      this.raw(',"","")');
    } else if (o.kind === "fixed") {
      this.byte(44);
      this.quoted(o.path ?? "");
      this.byte(44);
      this.quoted(methodAlgoString(o.ca.method, o.ca.hash.algo));
      this.byte(44);
      this.quoted(o.ca.hash.toHex());
      this.byte(41);
    } else {
      this.raw(',"",');
      this.quoted(methodAlgoString(o.method, o.algo));
      this.raw(o.kind === "impure" ? ',"impure")' : ',"")');
    }
  }

  /**
   * A whole ATerm (after a reset) and its bytes (a view, valid until the next write): with the
   * input derivations as paths, or in the hash-modulo form (their hashes).
   */
  aterm(
    drv: Derivation,
    inputs: ReadonlyMap<string, ReadonlySet<string>> | ModuloInputs,
    envKeys: readonly string[],
    masked: boolean,
  ): Uint8Array {
    this.reset();
    this.head(drv, masked);
    this.byte(44);
    this.inputsAt = this.n;
    this.writeInputs(inputs);
    this.tailAt = this.n;
    this.tail(drv, envKeys, masked);
    this.end = this.n;
    return this.view();
  }

  /**
   * The ATerm last written by `aterm`, again with other inputs (a view, valid until the next
   * write). Its head and tail are copied rather than written again: `finalizeDerivation` needs
   * the final ATerm with input paths (the .drv) and with input hashes (the hash modulo), and
   * the tail (sources, args, env, escaped) is most of the work.
   */
  withInputs(inputs: ReadonlyMap<string, ReadonlySet<string>> | ModuloInputs): Uint8Array {
    const { inputsAt, tailAt, end } = this;
    this.n = end;
    this.reserve(end);
    this.buf.copyWithin(end, 0, inputsAt);
    this.n = end + inputsAt;
    this.writeInputs(inputs);
    const tailLength = end - tailAt;
    this.reserve(tailLength);
    this.buf.copyWithin(this.n, tailAt, end);
    this.n += tailLength;
    return this.plain.subarray(end, this.n);
  }

  private writeInputs(inputs: ReadonlyMap<string, ReadonlySet<string>> | ModuloInputs): void {
    if ("hexes" in inputs) this.moduloInputs(inputs);
    else this.inputDrvs(inputs);
  }

  /** `[("path",["out",…]),…]`: input derivations in path order, output names sorted. */
  inputDrvs(inputDrvs: ReadonlyMap<string, ReadonlySet<string>>): void {
    this.byte(91);
    let first = true;
    for (const path of sortedKeys(inputDrvs)) {
      if (!first) this.byte(44);
      first = false;
      this.inputEntry(path, inputDrvs.get(path)!);
    }
    this.byte(93);
  }

  /** The hash-modulo form of the inputs: `[("<hex>",["out",…]),…]`. */
  moduloInputs(m: ModuloInputs): void {
    this.byte(91);
    for (let i = 0; i < m.hexes.length; i++) {
      if (i > 0) this.byte(44);
      this.inputEntry(m.hexes[i]!, m.outputs[i]!);
    }
    this.byte(93);
  }

  /** `("key",["out1","out2"])` with the output names sorted. */
  private inputEntry(key: string, outs: ReadonlySet<string>): void {
    this.byte(40);
    this.quoted(key);
    this.raw(",[");
    let first = true;
    for (const o of outs.size === 1 ? outs : sortedKeys(outs)) {
      if (!first) this.byte(44);
      first = false;
      this.quoted(o);
    }
    this.raw("])");
  }

  /**
   * `,[inputSrcs],"system","builder",[args],[env])` with the env in `envKeys` order (sorted);
   * when `masked`, env vars named like an output are blank.
   */
  tail(drv: Derivation, envKeys: readonly string[], masked: boolean): void {
    this.raw(",[");
    let first = true;
    for (const p of sortedKeys(drv.inputSrcs)) {
      if (!first) this.byte(44);
      first = false;
      this.quoted(p);
    }
    this.raw("],");
    this.quoted(drv.system);
    this.byte(44);
    this.escaped(drv.builder);
    this.raw(",[");
    for (let i = 0; i < drv.args.length; i++) {
      if (i > 0) this.byte(44);
      this.escaped(drv.args[i]!);
    }
    this.raw("],[");
    for (let i = 0; i < envKeys.length; i++) {
      const key = envKeys[i]!;
      if (i > 0) this.byte(44);
      this.byte(40);
      this.escaped(key);
      this.byte(44);
      this.escaped(masked && drv.outputs.has(key) ? "" : drv.env.get(key)!);
      this.byte(41);
    }
    this.raw("])");
  }
}

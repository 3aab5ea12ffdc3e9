/**
 * ATerm parser for `.drv` files.
 *
 * Behaviour (see docs in the spec §5.3, decisions here):
 * - Strings: `\n \r \t` are escapes; any other `\x` stands for `x` (CppNix). Every field is a
 *   byte string, so non-UTF-8 round-trips.
 * - The grammar is exact (no whitespace, commas only between elements, whole input consumed);
 *   CppNix is laxer about commas in lists, which no `.drv` it writes relies on.
 * - Duplicate output names, input derivations, env keys, input sources and output names of an
 *   input derivation are rejected (CppNix silently keeps one).
 * - Output kinds as CppNix: input-addressed, deferred (`""` path), fixed (any hash encoding CppNix
 *   accepts: hex either case, nixbase32, base64; printed back as lowercase hex), floating CA
 *   (`("out","","r:sha256","")`), impure (hash field `impure`). A hash without an algorithm is
 *   rejected (CppNix ignores it).
 * - Store paths must be canonical absolute paths under /nix/store.
 * - Only `Derive(`; CppNix's experimental `DrvWithVersion("xp-dyn-drv",…` is not read.
 * - Afterwards `validateDerivation(drv, { requireOutputPaths: false })` runs unless
 *   `validate: false`.
 */
import { isHashAlgo } from "../hash/algo.ts";
import { ContentAddress, type ContentAddressMethod } from "../hash/content-address.ts";
import { decodeDigest, NixHash } from "../hash/nix-hash.ts";
import { parseAbsoluteStorePath } from "../store-path/store-path.ts";
import { bytesToByteString } from "./byte-string.ts";
import { type Derivation, DerivationError, type DerivationOutput, quote } from "./model.ts";
import { validateDerivation } from "./validate.ts";

class Reader {
  readonly s: string;
  pos = 0;
  constructor(s: string) {
    this.s = s;
  }

  fail(code: string, message: string, at: number = this.pos): never {
    throw new DerivationError(code, `invalid derivation at byte ${at}: ${message}`, {
      offset: at,
    });
  }

  describeHere(): string {
    if (this.pos >= this.s.length) return "end of input";
    return `${JSON.stringify(this.s.slice(this.pos, this.pos + 12))}`;
  }

  expect(lit: string): void {
    if (!this.s.startsWith(lit, this.pos)) {
      this.fail("syntax", `expected ${quote(lit)}, found ${this.describeHere()}`);
    }
    this.pos += lit.length;
  }

  peek(): string | undefined {
    return this.s[this.pos];
  }

  /**
   * Position of the next backslash at or after `from` (searches only move forward, so one
   * cached answer serves every string up to it: parsing stays linear).
   */
  private bsPos = -2;
  private nextBackslash(from: number): number {
    if (this.bsPos === -1 || this.bsPos >= from) return this.bsPos;
    this.bsPos = this.s.indexOf("\\", from);
    return this.bsPos;
  }

  /**
   * `"…"`; returns the unescaped byte string. A string with escapes is unescaped into a buffer
   * of code units and turned into a string once: appending the pieces between escapes one by
   * one made a rope of two nodes per escape, ~30 times the input's size.
   */
  string(): string {
    const start = this.pos;
    this.expect('"');
    const s = this.s;
    let i = this.pos;
    let q = s.indexOf('"', i);
    if (q < 0) this.fail("unterminated-string", "unterminated string", start);
    let bs = this.nextBackslash(i);
    if (bs < 0 || bs > q) {
      // No escapes: the common case, one slice.
      this.pos = q + 1;
      return s.slice(i, q);
    }
    const out = new Unescaped(q - i);
    for (;;) {
      out.copy(s, i, bs);
      if (bs + 1 >= s.length) this.fail("unterminated-string", "unterminated string", start);
      const c = s.charCodeAt(bs + 1);
      // \n, \r and \t are control characters; any other escaped character stands for itself.
      out.push(c === 0x6e ? 0x0a : c === 0x72 ? 0x0d : c === 0x74 ? 0x09 : c);
      i = bs + 2;
      if (i > q) {
        q = s.indexOf('"', i);
        if (q < 0) this.fail("unterminated-string", "unterminated string", start);
      }
      bs = this.nextBackslash(i);
      if (bs < 0 || bs > q) {
        out.copy(s, i, q);
        this.pos = q + 1;
        return out.toString();
      }
    }
  }

  /** `[` item (`,` item)* `]` or `[]`. */
  list(item: () => void): void {
    this.expect("[");
    if (this.peek() === "]") {
      this.pos++;
      return;
    }
    for (;;) {
      item();
      const c = this.peek();
      if (c === ",") this.pos++;
      else if (c === "]") {
        this.pos++;
        return;
      } else this.fail("syntax", `expected ',' or ']', found ${this.describeHere()}`);
    }
  }

  storePath(): string {
    const at = this.pos;
    const p = this.string();
    try {
      parseAbsoluteStorePath(p);
    } catch {
      this.fail("invalid-store-path", `invalid store path ${quote(p)}`, at);
    }
    return p;
  }
}

function parseOutput(r: Reader, name: string): DerivationOutput {
  r.expect(",");
  const pathAt = r.pos;
  const path = r.string();
  r.expect(",");
  const algoAt = r.pos;
  const algoField = r.string();
  r.expect(",");
  const hashAt = r.pos;
  const hashField = r.string();
  r.expect(")");

  const checkPath = (): string => {
    try {
      parseAbsoluteStorePath(path);
    } catch {
      r.fail("invalid-store-path", `output ${quote(name)} has invalid path ${quote(path)}`, pathAt);
    }
    return path;
  };

  if (algoField === "") {
    if (hashField !== "") {
      r.fail(
        "invalid-output-hash",
        `output ${quote(name)} has a hash but no hash algorithm`,
        hashAt,
      );
    }
    if (path === "") return { kind: "deferred" };
    return { kind: "input-addressed", path: checkPath() };
  }

  let method: ContentAddressMethod = "flat";
  let algoName = algoField;
  if (algoField.startsWith("r:")) {
    method = "nar";
    algoName = algoField.slice(2);
  } else if (algoField.startsWith("text:")) {
    method = "text";
    algoName = algoField.slice(5);
  }
  if (!isHashAlgo(algoName)) {
    r.fail(
      "invalid-output-hash",
      `output ${quote(name)} has unknown hash algorithm ${quote(algoField)}`,
      algoAt,
    );
  }
  if (hashField === "impure") {
    if (path !== "") {
      r.fail("invalid-output", `impure output ${quote(name)} must not have a path`, pathAt);
    }
    return { kind: "impure", method, algo: algoName };
  }
  if (hashField === "") {
    if (path !== "") {
      r.fail(
        "invalid-output",
        `floating content-addressed output ${quote(name)} must not have a path`,
        pathAt,
      );
    }
    return { kind: "floating", method, algo: algoName };
  }
  const p = checkPath();
  let ca: ContentAddress;
  try {
    ca = new ContentAddress(method, new NixHash(algoName, decodeDigest(algoName, hashField)));
  } catch (e) {
    r.fail(
      "invalid-output-hash",
      `output ${quote(name)} has invalid hash: ${(e as Error).message}`,
      hashAt,
    );
  }
  return { kind: "fixed", ca, path: p };
}

export interface ParseDerivationOptions {
  /** Run `validateDerivation` (with `requireOutputPaths: false`) after parsing. Default true. */
  validate?: boolean;
  /**
   * The derivation's name (file name without `<hash>-` and `.drv`). When given, validation also
   * checks that a fixed output's path matches its hash, as current CppNix does when parsing.
   */
  name?: string;
}

/** Parses a `.drv` file (bytes, or an already latin1-decoded byte string). */
export function parseDerivation(
  input: Uint8Array | string,
  opts: ParseDerivationOptions = {},
): Derivation {
  const r = new Reader(typeof input === "string" ? input : bytesToByteString(input));
  r.expect("Derive(");

  const outputs = new Map<string, DerivationOutput>();
  r.list(() => {
    r.expect("(");
    const nameAt = r.pos;
    const name = r.string();
    if (outputs.has(name)) r.fail("duplicate-map-key", `duplicate output ${quote(name)}`, nameAt);
    outputs.set(name, parseOutput(r, name));
  });
  r.expect(",");

  const inputDrvs = new Map<string, Set<string>>();
  r.list(() => {
    r.expect("(");
    const pathAt = r.pos;
    const path = r.storePath();
    if (inputDrvs.has(path)) {
      r.fail("duplicate-map-key", `duplicate input derivation ${quote(path)}`, pathAt);
    }
    r.expect(",");
    const names = new Set<string>();
    r.list(() => {
      const at = r.pos;
      const n = r.string();
      if (names.has(n)) {
        r.fail(
          "duplicate-input-derivation-output-name",
          `duplicate output ${quote(n)} of input derivation ${quote(path)}`,
          at,
        );
      }
      names.add(n);
    });
    r.expect(")");
    inputDrvs.set(path, names);
  });
  r.expect(",");

  const inputSrcs = new Set<string>();
  r.list(() => {
    const at = r.pos;
    const p = r.storePath();
    if (inputSrcs.has(p))
      r.fail("duplicate-input-source", `duplicate input source ${quote(p)}`, at);
    inputSrcs.add(p);
  });
  r.expect(",");
  const system = r.string();
  r.expect(",");
  const builder = r.string();
  r.expect(",");

  const args: string[] = [];
  r.list(() => {
    args.push(r.string());
  });
  r.expect(",");

  const env = new Map<string, string>();
  r.list(() => {
    r.expect("(");
    const at = r.pos;
    const key = r.string();
    if (env.has(key)) r.fail("duplicate-map-key", `duplicate env key ${quote(key)}`, at);
    r.expect(",");
    env.set(key, r.string());
    r.expect(")");
  });
  r.expect(")");
  if (r.pos !== r.s.length) {
    r.fail("trailing-data", `${r.s.length - r.pos} unexpected bytes after the derivation`);
  }

  const drv: Derivation = { outputs, inputDrvs, inputSrcs, system, builder, args, env };
  if (opts.validate !== false) {
    validateDerivation(drv, {
      requireOutputPaths: false,
      ...(opts.name === undefined ? {} : { name: opts.name }),
    });
  }
  return drv;
}

/** The code units of an unescaped string, growing as needed. */
class Unescaped {
  #buf: Uint16Array;
  #n = 0;

  constructor(capacity: number) {
    this.#buf = new Uint16Array(Math.max(16, capacity));
  }

  #room(more: number): void {
    if (this.#n + more <= this.#buf.length) return;
    const bigger = new Uint16Array(Math.max(this.#buf.length * 2, this.#n + more));
    bigger.set(this.#buf.subarray(0, this.#n));
    this.#buf = bigger;
  }

  /** Appends `s[from, to)`. */
  copy(s: string, from: number, to: number): void {
    this.#room(to - from);
    const buf = this.#buf;
    let n = this.#n;
    for (let k = from; k < to; k++) buf[n++] = s.charCodeAt(k);
    this.#n = n;
  }

  push(code: number): void {
    this.#room(1);
    this.#buf[this.#n++] = code;
  }

  toString(): string {
    // In pieces: fromCharCode takes its arguments on the stack.
    const parts: string[] = [];
    for (let k = 0; k < this.#n; k += 8192) {
      const piece = this.#buf.subarray(k, Math.min(this.#n, k + 8192));
      parts.push(String.fromCharCode.apply(null, piece as unknown as number[]));
    }
    return parts.join("");
  }
}

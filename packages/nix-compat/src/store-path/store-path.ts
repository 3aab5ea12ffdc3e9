import { NixCompatError } from "../errors.ts";
import { decodeFixed, isNixbase32Char, encode as nb32Encode } from "../nixbase32.ts";

export class StorePathError extends NixCompatError {}

export const STORE_DIR = "/nix/store";
export const STORE_DIR_WITH_SLASH = "/nix/store/";
export const DIGEST_SIZE = 20;
export const ENCODED_DIGEST_SIZE = 32;
export const MAX_NAME_LENGTH = 211;

export interface NameValidationOptions {
  /**
   * Reject `.`, `..` and names whose first dash-separated part is `.` or `..`, as current CppNix
   * does. Off by default because Nix 2.8 created such paths (e.g. `-.gitignore` is fine, `.-x` not).
   */
  strict?: boolean;
}

function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 43 || // +
    c === 45 || // -
    c === 95 || // _
    c === 63 || // ?
    c === 61 || // =
    c === 46 // .
  );
}

/** Throws unless `name` is a valid store path name. */
export function validateName(name: string, opts: NameValidationOptions = {}): void {
  if (name.length === 0) throw new StorePathError("invalid-name", "store path name is empty");
  if (name.length > MAX_NAME_LENGTH) {
    throw new StorePathError(
      "invalid-name",
      `store path name '${name.slice(0, 40)}...' is longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  for (let i = 0; i < name.length; i++) {
    if (!isNameChar(name.charCodeAt(i))) {
      throw new StorePathError(
        "invalid-name",
        `store path name '${name}' contains illegal character ${JSON.stringify(name[i])} at position ${i}`,
      );
    }
  }
  if (opts.strict) {
    const first = name.split("-", 1)[0];
    if (first === "." || first === "..") {
      throw new StorePathError("invalid-name", `store path name '${name}' is not allowed`);
    }
  }
}

export function isValidName(name: string, opts: NameValidationOptions = {}): boolean {
  try {
    validateName(name, opts);
    return true;
  } catch {
    return false;
  }
}

/** A store path: a 20-byte digest and a name. Compares and sorts by its base name string. */
export class StorePath {
  readonly digest: Uint8Array;
  readonly name: string;
  /** The 32-character nixbase32 hash part. */
  readonly hashPart: string;

  /** `hashPart`, when given, must be nixbase32 of `digest` (parsing has it already). */
  constructor(
    digest: Uint8Array,
    name: string,
    opts: NameValidationOptions = {},
    hashPart?: string,
  ) {
    if (digest.length !== DIGEST_SIZE) {
      throw new StorePathError(
        "invalid-digest",
        `store path digest must be 20 bytes, got ${digest.length}`,
      );
    }
    validateName(name, opts);
    this.digest = digest;
    this.name = name;
    this.hashPart = hashPart ?? nb32Encode(digest);
  }

  /** `<hash>-<name>` */
  get baseName(): string {
    return `${this.hashPart}-${this.name}`;
  }

  toAbsolutePath(storeDir: string = STORE_DIR): string {
    return `${storeDir}/${this.baseName}`;
  }

  toString(): string {
    return this.toAbsolutePath();
  }

  isDerivation(): boolean {
    return this.name.endsWith(".drv");
  }

  equals(o: StorePath): boolean {
    return this.baseName === o.baseName;
  }

  static compare(a: StorePath, b: StorePath): number {
    return a.baseName < b.baseName ? -1 : a.baseName > b.baseName ? 1 : 0;
  }
}

/**
 * True when `s` is `<storeDir>/<hash>-<name>` as `parseAbsoluteStorePath` (non-strict) accepts
 * it, checked without allocating: validation of every path in every derivation uses this.
 */
export function isAbsoluteStorePath(s: string, storeDir: string = STORE_DIR): boolean {
  const start = storeDir.length + 1;
  if (s.length < start + ENCODED_DIGEST_SIZE + 2 || s.length - start - 33 > MAX_NAME_LENGTH)
    return false;
  if (!s.startsWith(storeDir) || s.charCodeAt(storeDir.length) !== 47 /* / */) return false;
  // 32 nixbase32 digits are exactly 160 bits: every digit string decodes to a 20-byte digest.
  for (let i = start; i < start + ENCODED_DIGEST_SIZE; i++)
    if (!isNixbase32Char(s.charCodeAt(i))) return false;
  if (s.charCodeAt(start + ENCODED_DIGEST_SIZE) !== 45 /* - */) return false;
  for (let i = start + ENCODED_DIGEST_SIZE + 1; i < s.length; i++)
    if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}

/** Parses `<hash>-<name>`. */
export function parseStorePathBaseName(s: string, opts: NameValidationOptions = {}): StorePath {
  if (s.length < ENCODED_DIGEST_SIZE + 2) {
    throw new StorePathError("invalid-length", `store path base name '${s}' is too short`);
  }
  let digest: Uint8Array;
  try {
    digest = decodeFixed(s.slice(0, ENCODED_DIGEST_SIZE), DIGEST_SIZE);
  } catch (e) {
    throw new StorePathError("invalid-hash", `store path '${s}' has an invalid hash part`, {
      cause: e,
    });
  }
  if (s[ENCODED_DIGEST_SIZE] !== "-") {
    throw new StorePathError("missing-dash", `store path '${s}' lacks a '-' after the hash`);
  }
  return new StorePath(
    digest,
    s.slice(ENCODED_DIGEST_SIZE + 1),
    opts,
    s.slice(0, ENCODED_DIGEST_SIZE),
  );
}

/** Parses `/nix/store/<hash>-<name>`. */
export function parseAbsoluteStorePath(
  s: string,
  opts: NameValidationOptions & { storeDir?: string } = {},
): StorePath {
  const prefix = `${opts.storeDir ?? STORE_DIR}/`;
  if (!s.startsWith(prefix)) {
    throw new StorePathError("not-in-store", `path '${s}' is not in the Nix store`);
  }
  return parseStorePathBaseName(s.slice(prefix.length), opts);
}

/**
 * Splits a path inside the store into its store path and the rest:
 * `/nix/store/<h>-x/bin/y` → (`<h>-x`, `bin/y`).
 */
export function parseStorePathAndSubpath(
  s: string,
  opts: NameValidationOptions & { storeDir?: string } = {},
): { storePath: StorePath; subpath: string } {
  const prefix = `${opts.storeDir ?? STORE_DIR}/`;
  if (!s.startsWith(prefix)) {
    throw new StorePathError("not-in-store", `path '${s}' is not in the Nix store`);
  }
  const rest = s.slice(prefix.length);
  const slash = rest.indexOf("/");
  const base = slash < 0 ? rest : rest.slice(0, slash);
  return {
    storePath: parseStorePathBaseName(base, opts),
    subpath: slash < 0 ? "" : rest.slice(slash + 1),
  };
}

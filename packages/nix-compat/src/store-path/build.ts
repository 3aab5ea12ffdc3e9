import { utf8Encode } from "../bytes.ts";
import { digest, digestUtf8ByteString } from "../crypto/index.ts";
import { ContentAddress } from "../hash/content-address.ts";
import { NixHash } from "../hash/nix-hash.ts";
import { encode as nb32Encode } from "../nixbase32.ts";
import { sortUniqueByteStrings } from "../sort.ts";
import {
  DIGEST_SIZE,
  parseAbsoluteStorePath,
  STORE_DIR,
  type StorePath,
  StorePathError,
  validateName,
} from "./store-path.ts";

/** XOR-folds `input` into `size` bytes, as Nix shortens sha256 digests to 160 bits. */
export function compressHash(input: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < input.length; i++) out[i % size]! ^= input[i]!;
  return out;
}

/**
 * CppNix's `makeStorePath`: the path whose digest is the compressed sha256 of
 * `<type>:sha256:<hex inner>:<storeDir>:<name>`.
 */
export function makeStorePath(
  type: string,
  innerSha256: Uint8Array,
  name: string,
  storeDir: string = STORE_DIR,
): StorePath {
  return makeStorePathFromHex(type, new NixHash("sha256", innerSha256).toHex(), name, storeDir);
}

/** `makeStorePath` given the lowercase hex of the inner sha256 (64 characters). */
export function makeStorePathFromHex(
  type: string,
  innerSha256Hex: string,
  name: string,
  storeDir: string = STORE_DIR,
): StorePath {
  return parseAbsoluteStorePath(makeStorePathStringFromHex(type, innerSha256Hex, name, storeDir), {
    storeDir,
  });
}

/** `makeStorePathFromHex(...).toAbsolutePath()` without the `StorePath` object. */
export function makeStorePathStringFromHex(
  type: string,
  innerSha256Hex: string,
  name: string,
  storeDir: string = STORE_DIR,
): string {
  validateName(name);
  const d = digestUtf8ByteString("sha256", `${type}:sha256:${innerSha256Hex}:${storeDir}:${name}`);
  // Folded into a scratch buffer: nixbase32 reads it before anything else can write it.
  compressed.fill(0);
  for (let i = 0; i < d.length; i++) compressed[i % DIGEST_SIZE]! ^= d.charCodeAt(i);
  return `${storeDir}/${nb32Encode(compressed)}-${name}`;
}

const compressed = new Uint8Array(DIGEST_SIZE);

function sortedRefs(references: Iterable<string>): string[] {
  return sortUniqueByteStrings(Array.from(references));
}

/** `<type>` with `:ref` for each sorted, de-duplicated absolute reference path. */
function typeWithRefs(prefix: string, references: Iterable<string>, selfRef: boolean): string {
  let t = prefix;
  for (const r of sortedRefs(references)) t += `:${r}`;
  if (selfRef) t += ":self";
  return t;
}

/** Path of a text file (`builtins.toFile`, `.drv` files) given the sha256 of its contents. */
export function makeTextPathFromHash(
  name: string,
  contentSha256: Uint8Array,
  references: Iterable<string> = [],
  storeDir: string = STORE_DIR,
): StorePath {
  return makeStorePath(typeWithRefs("text", references, false), contentSha256, name, storeDir);
}

/** `makeTextPathFromHash` given the lowercase hex of the contents' sha256. */
export function makeTextPathFromHex(
  name: string,
  contentSha256Hex: string,
  references: Iterable<string> = [],
  storeDir: string = STORE_DIR,
): StorePath {
  return parseAbsoluteStorePath(
    makeTextPathStringFromHex(name, contentSha256Hex, references, storeDir),
    { storeDir },
  );
}

/** Path of a text file with these contents and references (absolute paths). */
export function makeTextPath(
  name: string,
  contents: Uint8Array | string,
  references: Iterable<string> = [],
  storeDir: string = STORE_DIR,
): StorePath {
  const bytes = typeof contents === "string" ? utf8Encode(contents) : contents;
  return makeTextPathFromHash(name, digest("sha256", bytes), references, storeDir);
}

/**
 * Path of a content-addressed store object, following CppNix: text addresses take references
 * but never a self-reference; NAR+sha256 ("source") takes references and a self-reference;
 * every other fixed-output address takes neither.
 */
export function makeFixedOutputPath(
  name: string,
  ca: ContentAddress,
  references: Iterable<string> = [],
  selfReference = false,
  storeDir: string = STORE_DIR,
): StorePath {
  const refs = sortedRefs(references);
  if (ca.method === "text") {
    if (selfReference) {
      throw new StorePathError(
        "invalid-reference",
        "text store objects cannot refer to themselves",
      );
    }
    return makeStorePath(typeWithRefs("text", refs, false), ca.hash.digest, name, storeDir);
  }
  if (ca.method === "nar" && ca.hash.algo === "sha256") {
    return makeStorePath(
      typeWithRefs("source", refs, selfReference),
      ca.hash.digest,
      name,
      storeDir,
    );
  }
  if (refs.length > 0 || selfReference) {
    throw new StorePathError(
      "invalid-reference",
      `fixed-output store objects hashed with ${ca.methodAlgo()} cannot have references`,
    );
  }
  const inner = `fixed:out:${ca.method === "nar" ? "r:" : ""}${ca.hash.toNixHexString()}:`;
  return makeStorePath("output:out", digest("sha256", utf8Encode(inner)), name, storeDir);
}

/** Path of `nix-store --add`: the NAR sha256 of a tree, with optional references. */
export function makeSourcePath(
  name: string,
  narSha256: Uint8Array,
  references: Iterable<string> = [],
  selfReference = false,
  storeDir: string = STORE_DIR,
): StorePath {
  return makeFixedOutputPath(
    name,
    new ContentAddress("nar", new NixHash("sha256", narSha256)),
    references,
    selfReference,
    storeDir,
  );
}

/**
 * Path of an input-addressed derivation output. `hashModulo` is the derivation's
 * hashDerivationModulo; the path's name is `drvName` for `out` and `drvName-output` otherwise.
 */
export function makeOutputPath(
  hashModulo: Uint8Array,
  outputName: string,
  drvName: string,
  storeDir: string = STORE_DIR,
): StorePath {
  const name = outputName === "out" ? drvName : `${drvName}-${outputName}`;
  return makeStorePath(`output:${outputName}`, hashModulo, name, storeDir);
}

/** Absolute path of a `.drv` or other text file given its contents' sha256 hex and references. */
export function makeTextPathStringFromHex(
  name: string,
  contentSha256Hex: string,
  references: Iterable<string> = [],
  storeDir: string = STORE_DIR,
): string {
  return makeStorePathStringFromHex(
    typeWithRefs("text", references, false),
    contentSha256Hex,
    name,
    storeDir,
  );
}

/** `makeOutputPath` given the lowercase hex of the hash modulo. */
export function makeOutputPathFromHex(
  hashModuloHex: string,
  outputName: string,
  drvName: string,
  storeDir: string = STORE_DIR,
): StorePath {
  const name = outputName === "out" ? drvName : `${drvName}-${outputName}`;
  return makeStorePathFromHex(`output:${outputName}`, hashModuloHex, name, storeDir);
}

/** The placeholder string for an output (`placeholder "out"`), replaced by its path at build time. */
export function hashPlaceholder(outputName: string): string {
  return `/${nb32Encode(digest("sha256", utf8Encode(`nix-output:${outputName}`)))}`;
}

/**
 * File names in a Nix binary cache (spec §7.2), relative to its root, and their MIME types.
 * The parse functions return undefined for names that do not fit, so an HTTP server can answer
 * 404 without catching anything.
 */
import type { NixHash } from "../hash/nix-hash.ts";
import { decodeFixed, encode as nb32Encode } from "../nixbase32.ts";
import { DIGEST_SIZE, ENCODED_DIGEST_SIZE, type StorePath } from "../store-path/store-path.ts";
import { BinaryCacheError } from "./cache-info.ts";
import {
  type CompressionMethod,
  compressionExtension,
  compressionForExtension,
} from "./compression.ts";

export const MIME_NIX_CACHE_INFO = "text/x-nix-cache-info";
export const MIME_NARINFO = "text/x-nix-narinfo";
export const MIME_NAR = "application/x-nix-nar";
export const MIME_NAR_LISTING = "application/json";
export const MIME_BUILD_LOG = "text/plain; charset=utf-8";

const NAR_HASH_CHARS = 52;

function tryDecode(s: string, bytes: number): Uint8Array | undefined {
  try {
    return decodeFixed(s, bytes);
  } catch {
    return undefined;
  }
}

function hashPartOf(p: StorePath | Uint8Array): string {
  if (p instanceof Uint8Array) {
    if (p.length !== DIGEST_SIZE) {
      throw new BinaryCacheError(
        "invalid-digest",
        `store path digest must be 20 bytes, got ${p.length}`,
      );
    }
    return nb32Encode(p);
  }
  return p.hashPart;
}

/** `<hash part>.narinfo` */
export function narInfoPath(p: StorePath | Uint8Array): string {
  return `${hashPartOf(p)}.narinfo`;
}

/** `<hash part>.ls` (NAR listing) */
export function narListingPath(p: StorePath | Uint8Array): string {
  return `${hashPartOf(p)}.ls`;
}

/** `log/<derivation base name>` */
export function buildLogPath(drv: StorePath): string {
  return `log/${drv.baseName}`;
}

/** Store path digest of `<32 nixbase32 chars>.narinfo`, else undefined. */
export function parseNarInfoPath(s: string): Uint8Array | undefined {
  if (s.length !== ENCODED_DIGEST_SIZE + 8 || !s.endsWith(".narinfo")) return undefined;
  return tryDecode(s.slice(0, ENCODED_DIGEST_SIZE), DIGEST_SIZE);
}

/**
 * `nar/<nixbase32 sha256 of the file>.nar<ext>`, as CppNix names the NARs it uploads (the hash
 * is the FileHash, i.e. of the compressed file).
 */
export function narPath(fileHash: NixHash | Uint8Array, compression: CompressionMethod): string {
  const digest = fileHash instanceof Uint8Array ? fileHash : fileHash.digest;
  if (!(fileHash instanceof Uint8Array) && fileHash.algo !== "sha256") {
    throw new BinaryCacheError("invalid-digest", "NAR file names use sha256 hashes");
  }
  if (digest.length !== 32) {
    throw new BinaryCacheError(
      "invalid-digest",
      `sha256 digest must be 32 bytes, got ${digest.length}`,
    );
  }
  return `nar/${nb32Encode(digest)}.nar${compressionExtension(compression)}`;
}

export interface NarFileName {
  /** The 32-byte sha256 digest from the name. */
  fileHash: Uint8Array;
  /** Everything after `.nar`, verbatim (`""`, `.xz`, ...). */
  extension: string;
  /** The compression the extension stands for, if it is one CppNix writes. */
  compression: CompressionMethod | undefined;
}

/**
 * Parses `<52 nixbase32 chars>.nar<ext>` (without the `nar/` directory; a leading `nar/` is
 * accepted too). Like Tvix the extension is returned verbatim, not validated.
 */
export function parseNarFileName(s: string): NarFileName | undefined {
  const name = s.startsWith("nar/") ? s.slice(4) : s;
  if (
    name.length < NAR_HASH_CHARS + 4 ||
    name.slice(NAR_HASH_CHARS, NAR_HASH_CHARS + 4) !== ".nar"
  ) {
    return undefined;
  }
  const fileHash = tryDecode(name.slice(0, NAR_HASH_CHARS), 32);
  if (fileHash === undefined) return undefined;
  const extension = name.slice(NAR_HASH_CHARS + 4);
  return { fileHash, extension, compression: compressionForExtension(extension) };
}

/** MIME type CppNix serves a cache file with, by its path; undefined for other files. */
export function binaryCacheMimeType(path: string): string | undefined {
  if (path === "nix-cache-info") return MIME_NIX_CACHE_INFO;
  if (path.endsWith(".narinfo")) return MIME_NARINFO;
  if (path.endsWith(".ls")) return MIME_NAR_LISTING;
  if (path.startsWith("nar/")) return MIME_NAR;
  if (path.startsWith("log/")) return MIME_BUILD_LOG;
  return undefined;
}

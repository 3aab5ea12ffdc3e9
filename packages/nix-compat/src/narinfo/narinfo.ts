/**
 * narinfo files (spec §4.1): what a binary cache says about one store path.
 *
 * Parsing follows current CppNix where it matters for interoperability, and is stricter where
 * CppNix's reader only works by accident:
 * - `Key: value` lines. A line must contain `:`; the value starts after `": "`, and `Key:` at
 *   the end of a line means an empty value (CppNix blindly skips two characters, which eats
 *   the newline of `References:`; Tvix rejects it). Empty lines are errors. Lines end in `\n`;
 *   a `\r` before it is dropped (any other `\r` is an error) and the last newline may be
 *   missing (CppNix requires it).
 * - Required: StorePath, URL (non-empty), NarHash, NarSize (non-zero, as CppNix). References
 *   may be missing (= none), as in CppNix.
 * - `Compression:` missing or empty means bzip2 (we keep it absent so the file round-trips);
 *   names outside CppNix's list are rejected, as current CppNix does.
 * - Hashes (`NarHash`, `FileHash`) are `sha256:` in hex, nixbase32 or base64, or SRI, like
 *   CppNix's `parseAnyPrefixed`; they are always written back as `sha256:<nixbase32>`.
 * - `Deriver: unknown-deriver` means no deriver (CppNix; Tvix rejects it). Other derivers are
 *   any store path base name (CppNix does not insist on `.drv`).
 * - `System:` (written by old Nix/Hydra, ignored by Nix ≥ 2.8) is kept so such files round-trip.
 * - Every field except `Sig` and unknown ones may appear once (CppNix lets most repeat with the
 *   last one winning; two different StorePath or NarHash lines are too dangerous to guess at).
 * - `Sig:` lines are parsed (`name:base64`, 64 bytes), as current CppNix does.
 * - `CA:` empty means none (CppNix); otherwise a content address (§1.4).
 * - Unknown fields are ignored by CppNix and dropped by Tvix; we keep them, in order, and write
 *   them after all known fields (where current CppNix writes its newest field, `Provenance`),
 *   so a narinfo with fields we do not know still round-trips.
 * References and signatures keep the order they were written in (Tvix), so `formatNarInfo`
 * reproduces cache.nixos.org's files byte for byte; CppNix writes both sorted.
 */

import { isCompressionMethod } from "../binary-cache/compression.ts";
import { utf8Decode } from "../bytes.ts";
import { NixCompatError } from "../errors.ts";
import { type ContentAddress, parseContentAddress } from "../hash/content-address.ts";
import { type NixHash, parseNixHash } from "../hash/nix-hash.ts";
import {
  parseAbsoluteStorePath,
  parseStorePathBaseName,
  STORE_DIR,
  type StorePath,
} from "../store-path/store-path.ts";
import { NarInfoError } from "./errors.ts";
import { parseSignature, type Signature } from "./signature.ts";

export { NarInfoError };

export interface NarInfo {
  storePath: StorePath;
  /** Where the (compressed) NAR is, relative to the cache root. */
  url: string;
  /** As written; undefined when the line is missing or empty, which means bzip2. */
  compression: string | undefined;
  /** sha256 of the compressed NAR. */
  fileHash: NixHash | undefined;
  fileSize: number | undefined;
  /** sha256 of the NAR. */
  narHash: NixHash;
  narSize: number;
  /** In the order written. */
  references: StorePath[];
  deriver: StorePath | undefined;
  system: string | undefined;
  /** In the order written. */
  signatures: Signature[];
  ca: ContentAddress | undefined;
  /** Fields this implementation does not know, in order, as `[key, value]`. */
  extraFields: [string, string][];
}

export interface NarInfoOptions {
  /** Store directory of `StorePath:` and the references; `/nix/store` by default. */
  storeDir?: string;
}

const KNOWN_FIELDS = new Set([
  "StorePath",
  "URL",
  "Compression",
  "FileHash",
  "FileSize",
  "NarHash",
  "NarSize",
  "References",
  "Deriver",
  "System",
  "Sig",
  "CA",
]);

/** Effective compression: the `Compression:` value, or bzip2 when there is none. */
export function narInfoCompression(info: Pick<NarInfo, "compression">): string {
  return info.compression ?? "bzip2";
}

function preview(s: string): string {
  const t = s.length > 80 ? `${s.slice(0, 80)}...` : s;
  return JSON.stringify(t);
}

function parseSize(value: string, field: string, line: number): number {
  if (!/^[0-9]+$/.test(value)) {
    throw new NarInfoError(
      "invalid-size",
      `line ${line}: ${field} ${preview(value)} is not a decimal number`,
    );
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new NarInfoError("invalid-size", `line ${line}: ${field} ${preview(value)} is too large`);
  }
  return n;
}

function parseSha256(value: string, field: string, line: number): NixHash {
  let h: NixHash;
  try {
    h = parseNixHash(value);
  } catch (e) {
    if (!(e instanceof NixCompatError)) throw e;
    throw new NarInfoError("invalid-hash", `line ${line}: invalid ${field} ${preview(value)}`, {
      cause: e,
    });
  }
  if (h.algo !== "sha256") {
    throw new NarInfoError(
      "invalid-hash",
      `line ${line}: ${field} must be a sha256 hash, not ${h.algo}`,
    );
  }
  return h;
}

function wrap<T>(line: number, field: string, value: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // Only our own parse errors become narinfo errors; anything else is a bug to surface.
    if (!(e instanceof NixCompatError)) throw e;
    const why = `: ${e.message}`;
    throw new NarInfoError(
      `invalid-${field.toLowerCase()}`,
      `line ${line}: invalid ${field} ${preview(value)}${why}`,
      { cause: e },
    );
  }
}

/** Parses a narinfo file; throws `NarInfoError` naming the offending line or field. */
export function parseNarInfo(input: string | Uint8Array, opts: NarInfoOptions = {}): NarInfo {
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    try {
      text = utf8Decode(input);
    } catch (e) {
      throw new NarInfoError("invalid-utf8", "narinfo is not valid UTF-8", { cause: e });
    }
  }
  const storeDir = opts.storeDir ?? STORE_DIR;

  let storePath: StorePath | undefined;
  let url: string | undefined;
  let compression: string | undefined;
  let fileHash: NixHash | undefined;
  let fileSize: number | undefined;
  let narHash: NixHash | undefined;
  let narSize: number | undefined;
  let references: StorePath[] | undefined;
  let deriver: StorePath | undefined;
  let system: string | undefined;
  let ca: ContentAddress | undefined;
  const signatures: Signature[] = [];
  const extraFields: [string, string][] = [];
  const seen = new Set<string>();

  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.includes("\r")) {
      throw new NarInfoError("invalid-line", `line ${lineNo} contains a carriage return`);
    }
    if (line === "") throw new NarInfoError("empty-line", `line ${lineNo} is empty`);
    const colon = line.indexOf(":");
    if (colon < 0) {
      throw new NarInfoError(
        "invalid-line",
        `line ${lineNo}: expected 'Key: value', got ${preview(line)}`,
      );
    }
    const key = line.slice(0, colon);
    if (key === "")
      throw new NarInfoError("invalid-line", `line ${lineNo}: the field name is empty`);
    let value = line.slice(colon + 1);
    if (value !== "") {
      if (value[0] !== " ") {
        throw new NarInfoError(
          "invalid-line",
          `line ${lineNo}: expected a space after '${key}:', got ${preview(line)}`,
        );
      }
      value = value.slice(1);
    }

    if (!KNOWN_FIELDS.has(key)) {
      extraFields.push([key, value]);
      continue;
    }
    if (key !== "Sig") {
      if (seen.has(key)) {
        throw new NarInfoError("duplicate-field", `line ${lineNo}: duplicate field ${key}`);
      }
      seen.add(key);
    }

    switch (key) {
      case "StorePath":
        storePath = wrap(lineNo, key, value, () => parseAbsoluteStorePath(value, { storeDir }));
        break;
      case "URL":
        if (value === "") throw new NarInfoError("empty-url", `line ${lineNo}: URL is empty`);
        url = value;
        break;
      case "Compression":
        if (value !== "") {
          if (!isCompressionMethod(value)) {
            throw new NarInfoError(
              "unknown-compression",
              `line ${lineNo}: unknown compression method ${preview(value)}`,
            );
          }
          compression = value;
        }
        break;
      case "FileHash":
        fileHash = parseSha256(value, key, lineNo);
        break;
      case "FileSize":
        fileSize = parseSize(value, key, lineNo);
        break;
      case "NarHash":
        narHash = parseSha256(value, key, lineNo);
        break;
      case "NarSize":
        narSize = parseSize(value, key, lineNo);
        break;
      case "References": {
        const refs: StorePath[] = [];
        for (const r of value.split(" ")) {
          if (r === "") continue;
          refs.push(wrap(lineNo, "reference", r, () => parseStorePathBaseName(r)));
        }
        references = refs;
        break;
      }
      case "Deriver":
        if (value !== "unknown-deriver") {
          deriver = wrap(lineNo, key, value, () => parseStorePathBaseName(value));
        }
        break;
      case "System":
        system = value;
        break;
      case "Sig":
        signatures.push(wrap(lineNo, "signature", value, () => parseSignature(value)));
        break;
      case "CA":
        if (value !== "") ca = wrap(lineNo, key, value, () => parseContentAddress(value));
        break;
    }
  }

  const missing = (what: string): never => {
    throw new NarInfoError("missing-field", `narinfo has no ${what}`);
  };
  if (storePath === undefined) return missing("StorePath");
  if (url === undefined) return missing("URL");
  if (narHash === undefined) return missing("NarHash");
  if (narSize === undefined) return missing("NarSize");
  if (narSize === 0) {
    throw new NarInfoError("zero-nar-size", "narinfo has NarSize 0 (no NAR is empty)");
  }
  return {
    storePath,
    url,
    compression,
    fileHash,
    fileSize,
    narHash,
    narSize,
    references: references ?? [],
    deriver,
    system,
    signatures,
    ca,
    extraFields,
  };
}

function checkValue(field: string, value: string): string {
  if (value.includes("\n") || value.includes("\r")) {
    throw new NarInfoError("invalid-value", `${field} must not contain a line break`);
  }
  return value;
}

function checkSize(field: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new NarInfoError("invalid-value", `${field} must be a non-negative integer, got ${n}`);
  }
  return n;
}

/**
 * Writes a narinfo in the order Nix does: StorePath, URL, Compression, FileHash, FileSize,
 * NarHash, NarSize, References, Deriver, System, Sig..., CA, then unknown fields. Optional
 * fields are written only when present; References always (empty → `References: `).
 */
export function formatNarInfo(info: NarInfo, opts: NarInfoOptions = {}): string {
  const storeDir = opts.storeDir ?? STORE_DIR;
  if (info.narHash.algo !== "sha256" || (info.fileHash && info.fileHash.algo !== "sha256")) {
    throw new NarInfoError("invalid-value", "NarHash and FileHash must be sha256 hashes");
  }
  let s = `StorePath: ${info.storePath.toAbsolutePath(storeDir)}\n`;
  s += `URL: ${checkValue("URL", info.url)}\n`;
  if (info.compression !== undefined) {
    s += `Compression: ${checkValue("Compression", info.compression)}\n`;
  }
  if (info.fileHash !== undefined) s += `FileHash: ${info.fileHash.toNixBase32String()}\n`;
  if (info.fileSize !== undefined) s += `FileSize: ${checkSize("FileSize", info.fileSize)}\n`;
  s += `NarHash: ${info.narHash.toNixBase32String()}\n`;
  s += `NarSize: ${checkSize("NarSize", info.narSize)}\n`;
  s += `References: ${info.references.map((r) => r.baseName).join(" ")}\n`;
  if (info.deriver !== undefined) s += `Deriver: ${info.deriver.baseName}\n`;
  if (info.system !== undefined) s += `System: ${checkValue("System", info.system)}\n`;
  for (const sig of info.signatures) s += `Sig: ${sig.toString()}\n`;
  if (info.ca !== undefined) s += `CA: ${info.ca.toString()}\n`;
  for (const [k, v] of info.extraFields) {
    if (k === "" || k.includes(":") || KNOWN_FIELDS.has(k)) {
      throw new NarInfoError("invalid-value", `cannot write extra field ${preview(k)}`);
    }
    s += `${checkValue(k, k)}: ${checkValue(k, v)}\n`;
  }
  return s;
}

/**
 * One 512-byte tar header block: ustar (POSIX `ustar\0` with its name prefix), GNU (`ustar  `,
 * whose prefix area holds times and the old sparse map instead) and pre-POSIX v7 headers.
 * Numbers are octal text or, for GNU's large values, base-256 binary.
 */

export const BLOCK = 512;

export interface RawHeader {
  /** name, with the ustar prefix joined in front when there is one. */
  readonly name: Uint8Array;
  readonly mode: number;
  readonly size: number;
  readonly typeFlag: number;
  readonly linkName: Uint8Array;
  readonly format: "ustar" | "gnu" | "v7";
  /** The block itself (GNU sparse headers keep more fields in it). */
  readonly block: Uint8Array;
}

/** Why a header block is unusable; thrown as an archive error by the reader. */
export class HeaderError extends Error {}

/** A NUL-terminated field (the whole field if it has no NUL). */
export function cString(block: Uint8Array, start: number, len: number): Uint8Array {
  const field = block.subarray(start, start + len);
  const nul = field.indexOf(0);
  return (nul < 0 ? field : field.subarray(0, nul)).slice();
}

/**
 * A numeric field: octal digits surrounded by spaces/NULs, or base-256 (first byte's top bit
 * set; GNU uses it for sizes ≥ 8 GiB and negative times). Negative or unsafe values are errors.
 */
export function parseNumber(block: Uint8Array, start: number, len: number, what: string): number {
  const field = block.subarray(start, start + len);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw new HeaderError(`negative ${what}`);
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) {
      n = n * 256 + field[i]!;
      if (!Number.isSafeInteger(n)) throw new HeaderError(`${what} too large`);
    }
    return n;
  }
  let i = 0;
  while (i < field.length && (field[i] === 0x20 || field[i] === 0)) i++;
  let n = 0;
  let digits = 0;
  for (; i < field.length; i++) {
    const c = field[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new HeaderError(`invalid ${what} field`);
    n = n * 8 + (c - 0x30);
    digits++;
  }
  // Anything after the terminator must be padding too.
  for (; i < field.length; i++) {
    if (field[i] !== 0x20 && field[i] !== 0) throw new HeaderError(`invalid ${what} field`);
  }
  if (digits === 0 && what === "checksum") throw new HeaderError("missing checksum");
  return n;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Checks the header checksum; old tars summed signed chars, so either sum is accepted. */
function checkChecksum(block: Uint8Array): void {
  const stored = parseNumber(block, 148, 8, "checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new HeaderError(`header checksum mismatch (stored ${stored}, computed ${unsigned})`);
  }
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar"

function formatOf(block: Uint8Array): RawHeader["format"] {
  for (let i = 0; i < 5; i++) if (block[257 + i] !== USTAR[i]) return "v7";
  // POSIX: "ustar\0" "00"; GNU: "ustar " " \0".
  if (block[262] === 0x20 && block[263] === 0x20) return "gnu";
  return "ustar";
}

export function parseHeader(block: Uint8Array): RawHeader {
  checkChecksum(block);
  const format = formatOf(block);
  let name = cString(block, 0, 100);
  if (format === "ustar") {
    const prefix = cString(block, 345, 155);
    if (prefix.length > 0) {
      const joined = new Uint8Array(prefix.length + 1 + name.length);
      joined.set(prefix);
      joined[prefix.length] = 0x2f;
      joined.set(name, prefix.length + 1);
      name = joined;
    }
  }
  return {
    name,
    mode: parseNumber(block, 100, 8, "mode"),
    size: parseNumber(block, 124, 12, "size"),
    typeFlag: block[156]!,
    linkName: cString(block, 157, 100),
    format,
    block,
  };
}

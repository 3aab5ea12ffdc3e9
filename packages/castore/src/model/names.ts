/**
 * Node names (Tvix `PathComponent`, castore-store.md §1.2) and symlink targets (§1.3). Both are
 * raw bytes, not necessarily UTF-8; strings passed in are encoded as UTF-8 for convenience.
 */
import { plain } from "../bytes.ts";
import { ValidationError } from "../errors.ts";

export const MAX_NAME_LEN = 255;
export const MAX_TARGET_LEN = 4095;

const encoder = new TextEncoder();

/** Bytes of a name or target; Buffers become plain Uint8Array views so equality behaves. */
export function toBytes(s: Uint8Array | string): Uint8Array {
  return typeof s === "string" ? encoder.encode(s) : plain(s);
}

/** Printable form of a name for error messages (lossy for non-UTF-8). */
export function showBytes(b: Uint8Array): string {
  return JSON.stringify(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8"));
}

/**
 * Why `name` is not a valid node name, or undefined if it is. Checked in Tvix's order: empty,
 * `..`, `.`, too long, NUL, slash.
 */
export function nameProblem(name: Uint8Array): string | undefined {
  if (name.length === 0) return "cannot be empty";
  if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) return "cannot be '..'";
  if (name.length === 1 && name[0] === 0x2e) return "cannot be '.'";
  if (name.length > MAX_NAME_LEN) return `cannot be longer than ${MAX_NAME_LEN} bytes`;
  if (name.includes(0)) return "cannot contain null bytes";
  if (name.includes(0x2f)) return "cannot contain slashes";
  return undefined;
}

/** Validates a node name, returning its bytes. */
export function validateName(name: Uint8Array | string): Uint8Array {
  const b = toBytes(name);
  const problem = nameProblem(b);
  if (problem) throw new ValidationError("InvalidName", `invalid name ${showBytes(b)}: ${problem}`);
  return b;
}

/** Why `target` is not a valid symlink target, or undefined if it is. */
export function symlinkTargetProblem(target: Uint8Array): string | undefined {
  if (target.length === 0) return "cannot be empty";
  if (target.length > MAX_TARGET_LEN) return `cannot be longer than ${MAX_TARGET_LEN} bytes`;
  if (target.includes(0)) return "cannot contain null bytes";
  return undefined;
}

/** Validates a symlink target (anything non-empty, short enough and NUL-free), returning bytes. */
export function validateSymlinkTarget(target: Uint8Array | string): Uint8Array {
  const b = toBytes(target);
  const problem = symlinkTargetProblem(b);
  if (problem) {
    throw new ValidationError(
      "InvalidSymlinkTarget",
      `invalid symlink target ${showBytes(b)}: ${problem}`,
    );
  }
  return b;
}

/** Byte-order comparison (Tvix sorts names by their bytes). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

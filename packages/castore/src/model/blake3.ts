/**
 * BLAKE3 (unkeyed, 32-byte output), the only hash castore uses. Prefers the native
 * `@napi-rs/blake-hash` (fast enough for blob data); falls back to pure-JS `@noble/hashes` when
 * the native module cannot load on this platform, or when `TVIX_BLAKE3=js` forces it (tests).
 */
import { createRequire } from "node:module";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";

/** Incremental hasher: feed bytes with `update`, then take the 32-byte `digest` once. */
export interface Blake3Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

interface NativeHasher {
  update(input: Uint8Array): unknown;
  digestBuffer(): Uint8Array;
  reset(): unknown;
}

interface NativeModule {
  Blake3Hasher: new () => NativeHasher;
  blake3(input: Uint8Array): Uint8Array;
}

function loadNative(): NativeModule | undefined {
  if (process.env.TVIX_BLAKE3 === "js") return undefined;
  try {
    const require = createRequire(import.meta.url);
    return require("@napi-rs/blake-hash") as NativeModule;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation is in use, for diagnostics. */
export const blake3Implementation: "native" | "js" = native ? "native" : "js";

function asPlainBytes(b: Uint8Array): Uint8Array {
  // Native digests come back as Buffers; hand callers plain Uint8Arrays so equality and
  // structured cloning behave the same with either implementation.
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Native hashers to reuse (reset after their digest): making one costs several times hashing a
 * small file, and an import makes one per file.
 */
const spareHashers: NativeHasher[] = [];

export function createBlake3(): Blake3Hasher {
  if (native) {
    let h: NativeHasher | undefined = spareHashers.pop() ?? new native.Blake3Hasher();
    const used = () => {
      if (!h) throw new Error("BLAKE3 hasher used after its digest");
      return h;
    };
    return {
      update: (data) => {
        used().update(data);
      },
      digest: () => {
        const n = used();
        h = undefined;
        const d = asPlainBytes(n.digestBuffer());
        n.reset();
        if (spareHashers.length < 64) spareHashers.push(n);
        return d;
      },
    };
  }
  const h = nobleBlake3.create();
  return {
    update: (data) => {
      h.update(data);
    },
    digest: () => h.digest(),
  };
}

/** BLAKE3 of one buffer. */
export function blake3Bytes(data: Uint8Array): Uint8Array {
  return native ? asPlainBytes(native.blake3(data)) : nobleBlake3(data);
}

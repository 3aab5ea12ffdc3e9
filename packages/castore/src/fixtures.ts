/**
 * Test fixtures shared with other packages' tests (like Tvix's public `fixtures` module,
 * castore-store.md §16.1/§16.2). Values are built from their definitions, not hard-coded digests;
 * the tests check them against the spec vectors.
 */

import { type B3Digest, blake3 } from "./model/digest.ts";
import { Directory } from "./model/directory.ts";

const enc = new TextEncoder();

export const EMPTY_BLOB_CONTENTS = new Uint8Array(0);
export const EMPTY_BLOB_DIGEST: B3Digest = blake3(EMPTY_BLOB_CONTENTS);
export const HELLOWORLD_BLOB_CONTENTS = enc.encode("Hello World!");
export const HELLOWORLD_BLOB_DIGEST: B3Digest = blake3(HELLOWORLD_BLOB_CONTENTS);
export const BLOB_A = new Uint8Array([0x00, 0x01]);
export const BLOB_A_DIGEST: B3Digest = blake3(BLOB_A);

/** Bytes 0..=254 repeated 4096 times (1 044 480 bytes): big enough to be chunked. */
export const BLOB_B: Uint8Array = (() => {
  const b = new Uint8Array(255 * 4096);
  for (let i = 0; i < b.length; i++) b[i] = i % 255;
  return b;
})();
export const BLOB_B_DIGEST: B3Digest = blake3(BLOB_B);

export const DUMMY_DIGEST = new Uint8Array(32) as B3Digest;
export const DUMMY_DIGEST_2 = (() => {
  const d = new Uint8Array(32);
  d[0] = 0x10;
  return d as B3Digest;
})();

export const DIRECTORY_A = new Directory();

export const DIRECTORY_WITH_KEEP = Directory.from([
  [".keep", { type: "file", digest: EMPTY_BLOB_DIGEST, size: 0, executable: false }],
]);

export const DIRECTORY_COMPLICATED = Directory.from([
  [
    "keep",
    { type: "directory", digest: DIRECTORY_WITH_KEEP.digest(), size: DIRECTORY_WITH_KEEP.size() },
  ],
  [".keep", { type: "file", digest: EMPTY_BLOB_DIGEST, size: 0, executable: false }],
  ["aa", { type: "symlink", target: enc.encode("/nix/store/somewhereelse") }],
]);

export const DIRECTORY_B = Directory.from([
  ["a", { type: "directory", digest: DIRECTORY_A.digest(), size: DIRECTORY_A.size() }],
]);

export const DIRECTORY_C = Directory.from([
  ["a", { type: "directory", digest: DIRECTORY_A.digest(), size: DIRECTORY_A.size() }],
  ["a'", { type: "directory", digest: DIRECTORY_A.digest(), size: DIRECTORY_A.size() }],
]);

export const DIRECTORY_D = Directory.from([
  ["a", { type: "directory", digest: DIRECTORY_A.digest(), size: DIRECTORY_A.size() }],
  ["b", { type: "directory", digest: DIRECTORY_B.digest(), size: DIRECTORY_B.size() }],
]);

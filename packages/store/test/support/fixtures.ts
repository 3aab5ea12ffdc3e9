/** Test fixtures of castore-store.md §16 (Tvix `store/src/tests/fixtures.rs`), built here. */
import { b3Digest, blake3, Directory, type Node } from "@tvix-ts/castore";
import { parseContentAddress, parseStorePathBaseName, StorePath } from "@tvix-ts/nix-compat";
import { PathInfo } from "../../src/index.ts";

const enc = new TextEncoder();

export const HELLOWORLD = enc.encode("Hello World!");
export const HELLOWORLD_DIGEST = blake3(HELLOWORLD);
export const EMPTY_DIGEST = blake3(new Uint8Array(0));
export const DUMMY_DIGEST = b3Digest(new Uint8Array(32));

export const DIRECTORY_WITH_KEEP = Directory.from([
  [".keep", { type: "file", digest: EMPTY_DIGEST, size: 0, executable: false }],
]);
export const DIRECTORY_COMPLICATED = Directory.from([
  ["keep", { type: "directory", digest: DIRECTORY_WITH_KEEP.digest(), size: 2 }],
  [".keep", { type: "file", digest: EMPTY_DIGEST, size: 0, executable: false }],
  ["aa", { type: "symlink", target: enc.encode("/nix/store/somewhereelse") }],
]);

export const NODE_SYMLINK: Node = {
  type: "symlink",
  target: enc.encode("/nix/store/somewhereelse"),
};
export const NODE_HELLOWORLD: Node = {
  type: "file",
  digest: HELLOWORLD_DIGEST,
  size: 12,
  executable: false,
};
export const NODE_COMPLICATED: Node = {
  type: "directory",
  digest: DIRECTORY_COMPLICATED.digest(),
  size: DIRECTORY_COMPLICATED.size(),
};

export const NAR_SHA256 = {
  symlink: "097d397e9b5826384eaa16c457715d1c1a51670313ead0f58566e0b232539cf1",
  helloworld: "03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040",
  complicated: "ebd52279a8df024c9fd5718de4103bf5e760dc7f2cf49044ee7dea87ab16911a",
  empty: "a50a5ab6d992f5598edd92105059fae9acfc192981e08bd88534c2167e92526a",
};
export const NAR_SIZE = { symlink: 136, helloworld: 128, complicated: 840, empty: 96 };

export const DUMMY_PATH = parseStorePathBaseName("00000000000000000000000000000000-dummy");

/** Tvix's PATH_INFO fixture. */
export function pathInfoFixture(): PathInfo {
  return new PathInfo({
    storePath: DUMMY_PATH,
    node: { type: "directory", digest: DUMMY_DIGEST, size: 0 },
    references: [DUMMY_PATH],
    narSize: 0,
    narSha256: new Uint8Array(32),
    ca: parseContentAddress(`fixed:r:sha256:${"0".repeat(52)}`),
  });
}

/** A PathInfo with a distinct path, for the conformance suite. */
export function somePathInfo(i: number, refs: PathInfo[] = []): PathInfo {
  const digest = new Uint8Array(20);
  digest[0] = i & 0xff;
  digest[1] = (i >> 8) & 0xff;
  digest[19] = 0x42;
  const name = `p${i}`;
  const storePath = new StorePath(digest, name);
  return new PathInfo({
    storePath,
    node: { type: "file", digest: HELLOWORLD_DIGEST, size: 12, executable: i % 2 === 1 },
    references: refs.map((r) => ({ path: r.storePath, node: r.node })),
    narSize: 128,
    narSha256: new Uint8Array(32).fill(i & 0xff),
  });
}

/** A NAR string: little-endian u64 length, the bytes, zero padding to a multiple of 8. */
function narStr(s: string | Uint8Array): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([u64(b.length), b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/**
 * The NAR of a single regular file. With `declared` (the `contents` length field) set, the
 * NAR stops after `contents`: a file cut short when it is larger than `contents.length`.
 */
export function fileNar(contents: Uint8Array, declared?: number): Buffer {
  const head = ["nix-archive-1", "(", "type", "regular", "contents"].map(narStr);
  if (declared !== undefined) return Buffer.concat([...head, u64(declared), contents]);
  return Buffer.concat([...head, narStr(contents), narStr(")")]);
}

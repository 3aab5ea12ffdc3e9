import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fx from "../src/fixtures.ts";
import {
  anonymousNodeFromProto,
  blake3,
  blake3Implementation,
  Directory,
  decodeDirectory,
  digestToHex,
  digestToString,
  encodeNode,
  nodeToProto,
  ValidationError,
} from "../src/index.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const enc = new TextEncoder();

function throwsCode(fn: () => unknown, code: string) {
  assert.throws(fn, (e: unknown) => e instanceof ValidationError && e.code === code);
}

describe("digests (spec §16.1)", () => {
  it(`uses a working BLAKE3 (${blake3Implementation})`, () => {
    assert.equal(
      digestToHex(blake3(enc.encode("hello world"))),
      "d74981efa70a0c880b8d8c1985d075dbcbf679b99a5f9914e5aaf96b831a9e24",
    );
  });
  it("blob vectors", () => {
    assert.equal(
      digestToHex(fx.EMPTY_BLOB_DIGEST),
      "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    );
    assert.equal(
      digestToString(fx.EMPTY_BLOB_DIGEST),
      "b3:rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI=",
    );
    assert.equal(
      digestToHex(fx.HELLOWORLD_BLOB_DIGEST),
      "5ca7815adcb484e9a136c11efe69c1d530176d549b5d18d038eb5280b4b3470c",
    );
    assert.equal(
      digestToHex(fx.BLOB_A_DIGEST),
      "7b7015bb92cf0b318037702a6cdd81dee41224f734684c2c122cd6359cb1ee63",
    );
    assert.equal(fx.BLOB_B.length, 1044480);
    assert.equal(
      digestToHex(fx.BLOB_B_DIGEST),
      "a82c5154a7a0c262c6fdb929a317585646f8fbcf80326d0a7b8747edaf2d99d2",
    );
    assert.equal(
      digestToString(blake3(enc.encode("x86_64-linux"))),
      "b3:KOM3/IHEx7YfInAnlJpAElYezq0Sxn9fRz7xuClwNfA=",
    );
  });
});

describe("directory digests and sizes (spec §16.2)", () => {
  const vectors: [string, Directory, number, string][] = [
    ["A", fx.DIRECTORY_A, 0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"],
    [
      "WITH_KEEP",
      fx.DIRECTORY_WITH_KEEP,
      2,
      "8b5b5d642b646bb8ed504b0862c39413e87e57491497de7bd075953f7b83810e",
    ],
    [
      "COMPLICATED",
      fx.DIRECTORY_COMPLICATED,
      8,
      "424a7f6ce08d805d15b428062faae96299a1675d708c3a39261afe38cdd04feb",
    ],
    ["B", fx.DIRECTORY_B, 2, "8701f4722d8dae7f2c40fa003331b8437a3825f9e1bfd3a77998c64cc226b9cc"],
    ["C", fx.DIRECTORY_C, 4, "78eb200ae0cc95d4ea954655fbcf91e285013a261310e161927f2401d2bca803"],
    ["D", fx.DIRECTORY_D, 6, "76cd8b55b37333961c1778ba997e57df92e219926ae5a66c414b810331a77603"],
  ];
  for (const [name, dir, size, digest] of vectors) {
    it(name, () => {
      assert.equal(dir.size(), size);
      assert.equal(digestToHex(dir.digest()), digest);
      // Round trip through the generated protobuf decoder keeps the encoding byte for byte.
      const again = decodeDirectory(dir.encode());
      assert.equal(hex(again.encode()), hex(dir.encode()));
    });
  }
  it("canonical encodings", () => {
    assert.equal(
      hex(fx.DIRECTORY_WITH_KEEP.encode()),
      "12290a052e6b6565701220af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    );
    assert.equal(
      hex(fx.DIRECTORY_COMPLICATED.encode()),
      "0a2a0a046b65657012208b5b5d642b646bb8ed504b0862c39413e87e57491497de7bd075953f7b83810e1802" +
        "12290a052e6b6565701220af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262" +
        "1a1e0a02616112182f6e69782f73746f72652f736f6d657768657265656c7365",
    );
    assert.equal(
      hex(fx.DIRECTORY_B.encode()),
      "0a250a01611220af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    );
  });
  it("the proto-comment size formula is available as a switch", () => {
    const complicatedSpec = Directory.from([
      ["keep", { type: "directory", digest: fx.DIRECTORY_WITH_KEEP.digest(), size: 1 }],
      [".keep", { type: "file", digest: fx.EMPTY_BLOB_DIGEST, size: 0, executable: false }],
      ["aa", { type: "symlink", target: enc.encode("/nix/store/somewhereelse") }],
    ]);
    assert.equal(complicatedSpec.size("proto"), 4);
    assert.equal(
      digestToHex(complicatedSpec.digest()),
      "3f951a15afd586fb3121ef4d13d582e811ce0e5a7f21c0497fd87490e9e2355a",
    );
    const b = Directory.from([
      ["a", { type: "directory", digest: fx.DIRECTORY_A.digest(), size: 0 }],
    ]);
    const dSpec = Directory.from([
      ["a", { type: "directory", digest: fx.DIRECTORY_A.digest(), size: 0 }],
      ["b", { type: "directory", digest: b.digest(), size: b.size("proto") }],
    ]);
    assert.equal(
      digestToHex(dSpec.digest()),
      "99922a5c1801805287a647af73bca0ed7352a5f7f373e54992795bcc4a235213",
    );
  });
});

describe("validation (spec §1.2, §1.3, §1.9)", () => {
  const file = { type: "file", digest: fx.DUMMY_DIGEST, size: 1, executable: false } as const;
  it("rejects invalid names", () => {
    for (const bad of ["\0", ".", "..", "foo/bar", "X".repeat(500), ""]) {
      throwsCode(() => new Directory().add(bad, file), "InvalidName");
    }
    new Directory().add("X".repeat(255), file);
  });
  it("rejects short digests", () => {
    throwsCode(
      () => new Directory().add("a", { ...file, digest: new Uint8Array(2) as never }),
      "InvalidNode",
    );
  });
  it("rejects invalid symlink targets", () => {
    for (const bad of ["", "a\0b", "x".repeat(4096)]) {
      throwsCode(
        () => new Directory().add("a", { type: "symlink", target: enc.encode(bad) }),
        "InvalidNode",
      );
    }
    for (const ok of ["/abs", ".", "..", "a/b"]) {
      new Directory().add("a", { type: "symlink", target: enc.encode(ok) });
    }
  });
  it("rejects duplicates across kinds", () => {
    throwsCode(
      () =>
        Directory.from([
          ["a", { type: "directory", digest: fx.DUMMY_DIGEST, size: 0 }],
          ["a", { type: "symlink", target: enc.encode("x") }],
        ]),
      "DuplicateName",
    );
  });

  // Hand-built Directory messages: field 1 = DirectoryNode{name, digest}, field 3 = symlink.
  function dirNodeMsg(name: string): string {
    const n = hex(enc.encode(name));
    const body = `0a${name.length.toString(16).padStart(2, "0")}${n}1220${"00".repeat(32)}`;
    return `0a${(body.length / 2).toString(16).padStart(2, "0")}${body}`;
  }
  function symlinkMsg(name: string): string {
    const body = `0a01${hex(enc.encode(name))}12017a`;
    return `1a${(body.length / 2).toString(16).padStart(2, "0")}${body}`;
  }
  const decodeHex = (h: string) => decodeDirectory(Buffer.from(h, "hex"));
  it("decoding checks order and duplicates", () => {
    throwsCode(() => decodeHex(dirNodeMsg("b") + dirNodeMsg("a")), "WrongSorting");
    throwsCode(() => decodeHex(dirNodeMsg("a") + dirNodeMsg("a")), "DuplicateName");
    throwsCode(() => decodeHex(dirNodeMsg("a") + symlinkMsg("a")), "DuplicateName");
    const ok = decodeHex(dirNodeMsg("b") + dirNodeMsg("c") + symlinkMsg("a"));
    assert.deepEqual(
      ok.entries().map((e) => Buffer.from(e.name).toString()),
      ["a", "b", "c"],
    );
  });
  it("decoding rejects garbage", () => {
    throwsCode(() => decodeHex("ff"), "InvalidProto");
  });
  it("anonymous nodes", () => {
    const node = {
      type: "file",
      digest: fx.HELLOWORLD_BLOB_DIGEST,
      size: 12,
      executable: false,
    } as const;
    assert.equal(
      Buffer.from(encodeNode(new Uint8Array(0), node)).toString("base64url"),
      "EiQSIFyngVrctITpoTbBHv5pwdUwF21Um10Y0DjrUoC0s0cMGAw",
    );
    assert.deepEqual(anonymousNodeFromProto(nodeToProto(new Uint8Array(0), node)), node);
    throwsCode(
      () => anonymousNodeFromProto(nodeToProto(enc.encode("x"), node)),
      "NameInAnonymousNode",
    );
    const symlink = { type: "symlink", target: enc.encode("/nix/store/somewhereelse") } as const;
    assert.equal(
      Buffer.from(encodeNode(new Uint8Array(0), symlink)).toString("base64url"),
      "GhoSGC9uaXgvc3RvcmUvc29tZXdoZXJlZWxzZQ",
    );
  });
});

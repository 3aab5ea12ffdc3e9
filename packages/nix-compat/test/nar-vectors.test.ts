/**
 * NAR conformance: the fixtures in ../shared/conformance/nix-compat/nar, the vectors of spec §3
 * and §9 (produced with Nix 2.8), and listings exactly as Nix writes them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { conformanceDir, conformanceMissing } from "../../../test-support/index.ts";
import {
  digest,
  fromHex,
  listNar,
  locate,
  type NarDirectory,
  NarError,
  type NarNode,
  nixbase32,
  parseListing,
  parseNar,
  readNar,
  serializeListing,
  serializeListingEntry,
  toHex,
  writeNar,
  writeNarSync,
} from "../src/index.ts";
import { bytes, collect, latin1, split } from "./helpers/nar.ts";

const narDir = conformanceDir("nix-compat/nar");
const fixtureSkip = { skip: narDir ? false : conformanceMissing("nix-compat/nar") };
const sha256 = (b: Uint8Array) => toHex(digest("sha256", b));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(narDir!, name)));
}

/** The spec §9.2 tree: B, a, eight, nine, run.sh (0755), sub/{.keep, empty/, link -> ../eight}. */
const specTree: NarNode = {
  type: "directory",
  entries: [
    { name: bytes("B"), node: { type: "regular", executable: false, contents: bytes("A") } },
    { name: bytes("a"), node: { type: "regular", executable: false, contents: bytes("a") } },
    {
      name: bytes("eight"),
      node: { type: "regular", executable: false, contents: bytes("12345678") },
    },
    {
      name: bytes("nine"),
      node: { type: "regular", executable: false, contents: bytes("123456789") },
    },
    {
      name: bytes("run.sh"),
      node: { type: "regular", executable: true, contents: bytes("#!/bin/sh\necho hi\n") },
    },
    {
      name: bytes("sub"),
      node: {
        type: "directory",
        entries: [
          {
            name: bytes(".keep"),
            node: { type: "regular", executable: false, contents: bytes("") },
          },
          { name: bytes("empty"), node: { type: "directory", entries: [] } },
          { name: bytes("link"), node: { type: "symlink", target: bytes("../eight") } },
        ],
      },
    },
  ],
};

describe("NAR conformance fixtures (spec §9.1)", fixtureSkip, () => {
  const expected: Record<string, [number, string]> = {
    "symlink.nar": [136, "097d397e9b5826384eaa16c457715d1c1a51670313ead0f58566e0b232539cf1"],
    "helloworld.nar": [128, "03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040"],
    "complicated.nar": [840, "ebd52279a8df024c9fd5718de4103bf5e760dc7f2cf49044ee7dea87ab16911a"],
  };
  for (const [name, [size, hash]] of Object.entries(expected)) {
    it(`${name}: size and hash`, () => {
      const b = fixture(name);
      assert.equal(b.length, size);
      assert.equal(sha256(b), hash);
    });
    it(`${name}: parses and re-serialises byte-identically (sync and async writers)`, async () => {
      const b = fixture(name);
      const tree = parseNar(b);
      assert.deepEqual(writeNarSync(tree), b);
      assert.deepEqual(await collect(writeNar(tree)), b);
      assert.deepEqual(await collect(writeNar(tree, { chunkSize: 64 })), b);
      assert.deepEqual(await collect(writeNar(tree, { chunkSize: 64, reuseBuffers: true })), b);
    });
    it(`${name}: streams identically in any chunking`, async () => {
      const b = fixture(name);
      const events = async (chunks: Uint8Array[]) => {
        const out: unknown[] = [];
        for await (const ev of readNar(chunks)) {
          if (ev.type === "regular")
            out.push([ev.type, ev.path.map(text), ev.narOffset, text(await collect(ev.contents))]);
          else out.push([ev.type, ev.path.map(text)]);
        }
        return out;
      };
      const whole = await events([b]);
      for (const step of [1, 3, 7, 8, 13, 64]) {
        const cuts = [];
        for (let i = step; i < b.length; i += step) cuts.push(i);
        assert.deepEqual(await events(split(b, cuts)), whole);
      }
    });
  }
  it("symlink.nar is a symlink to /nix/store/somewhereelse", () => {
    assert.deepEqual(parseNar(fixture("symlink.nar")), {
      type: "symlink",
      target: bytes("/nix/store/somewhereelse"),
    });
  });
  it("helloworld.nar is the file 'Hello World!'", () => {
    assert.deepEqual(parseNar(fixture("helloworld.nar")), {
      type: "regular",
      executable: false,
      contents: bytes("Hello World!"),
    });
  });
  it("complicated.nar has .keep, aa -> ..., keep/.keep", async () => {
    const events: string[] = [];
    for await (const ev of readNar(fixture("complicated.nar")))
      events.push(`${ev.type} ${ev.path.map(text).join("/")}`);
    assert.deepEqual(events, [
      "directory-start ",
      "regular .keep",
      "symlink aa",
      "directory-start keep",
      "regular keep/.keep",
      "directory-end keep",
      "directory-end ",
    ]);
  });
  it("listings of the fixtures", async () => {
    assert.equal(
      text(serializeListing(await listNar(fixture("complicated.nar")))),
      `{"version":1,"root":{"type":"directory","entries":{".keep":{"type":"regular","size":0,"narOffset":232},"aa":{"type":"symlink","target":"/nix/store/somewhereelse"},"keep":{"type":"directory","entries":{".keep":{"type":"regular","size":0,"narOffset":760}}}}}}`,
    );
    assert.equal(
      text(serializeListing(await listNar(fixture("helloworld.nar")))),
      `{"version":1,"root":{"type":"regular","size":12,"narOffset":96}}`,
    );
  });

  describe("nixos-release.ls", () => {
    it("parses, locates and re-serialises byte-identically (current Nix style)", () => {
      const raw = fixture("nixos-release.ls");
      const l = parseListing(raw);
      assert.deepEqual(serializeListing(l, { style: "sorted" }), raw);
      const iso = locate(
        l,
        "iso/nixos-minimal-new-kernel-no-zfs-24.11pre660688.bee6b69aad74-x86_64-linux.iso",
      );
      assert.deepEqual(iso, {
        type: "regular",
        size: 1051721728,
        executable: false,
        narOffset: 440,
      });
      assert.deepEqual(locate(l, "nix-support/hydra-build-products"), {
        type: "regular",
        size: 211,
        executable: false,
        narOffset: 1051722544,
      });
      assert.deepEqual(locate(l, "./nix-support/./system"), {
        type: "regular",
        size: 13,
        executable: false,
        narOffset: 1051722944,
      });
      assert.equal(locate(l, "")?.type, "directory");
      assert.equal(locate(l, "iso/missing"), undefined);
      assert.equal(locate(l, "nix-support/system/below-a-file"), undefined);
      assert.throws(() => locate(l, "/iso"), { code: "unsupported-path-component" });
      assert.throws(() => locate(l, "iso/../nix-support"), { code: "unsupported-path-component" });
    });
    it("round-trips through the Nix 2.8 style", () => {
      const l = parseListing(fixture("nixos-release.ls"));
      const again = serializeListing(l);
      assert.ok(text(again).startsWith(`{"version":1,"root":{"type":"directory","entries":{"iso"`));
      assert.deepEqual(parseListing(again), l);
    });
  });
});

describe("NAR vectors produced with Nix 2.8 (spec §3.1, §9.2)", () => {
  const file = (contents: string, executable = false): NarNode => ({
    type: "regular",
    executable,
    contents: bytes(contents),
  });
  it("Hello World! file: 128 bytes", () => {
    const b = writeNarSync(file("Hello World!"));
    assert.equal(b.length, 128);
    assert.equal(sha256(b), "03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040");
    assert.equal(
      nixbase32.encode(digest("sha256", b)),
      "0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3",
    );
  });
  it("executable copy: 160 bytes", () => {
    const b = writeNarSync(file("Hello World!", true));
    assert.equal(b.length, 160);
    assert.equal(sha256(b), "3b63b97bae149b3e6650437b9077c3d75b130192145792ec94ea3af96a8c567a");
  });
  it("empty file: 112 bytes", () => {
    const b = writeNarSync(file(""));
    assert.equal(b.length, 112);
    assert.equal(sha256(b), "77ac62e2629d8e45f624589c0c8bf99e24b3a722349bf1e79bc186008534e246");
  });
  it("empty directory: 96 bytes", () => {
    const b = writeNarSync({ type: "directory", entries: [] });
    assert.equal(b.length, 96);
    assert.equal(sha256(b), "a50a5ab6d992f5598edd92105059fae9acfc192981e08bd88534c2167e92526a");
  });
  it("token constants (spec §3.1 hex)", () => {
    const b = writeNarSync(file(""));
    assert.equal(
      toHex(b.subarray(0, 56)),
      "0d000000000000006e69782d617263686976652d3100000001000000000000002800000000000000040000000000000074797065" +
        "00000000",
    );
  });
  it("the tree: 1824 bytes, sha256 16e6a93d...", async () => {
    const b = writeNarSync(specTree);
    assert.equal(b.length, 1824);
    assert.equal(sha256(b), "16e6a93d8883167f935ec8ab87750265dfeed28374d8be123b3c0b9cdd07ef6f");
    assert.equal(
      nixbase32.encode(digest("sha256", b)),
      "0vzg0zfrq2rw7c9bxn3lhg9fxpv509sqgay8bs9py5l3i0yskrhn",
    );
    // Entries given in any order, names as strings: same bytes.
    const shuffled: NarNode = {
      type: "directory",
      entries: [...(specTree as NarDirectory).entries]
        .reverse()
        .map((e) => ({ name: text(e.name), node: e.node })) as never,
    };
    assert.deepEqual(await collect(writeNar(shuffled)), b);
    assert.deepEqual(parseNar(b), specTree);
  });
  it("the tree's listing, exactly as Nix 2.8 writes <hash>.ls", async () => {
    const l = await listNar(writeNarSync(specTree));
    assert.equal(
      text(serializeListing(l)),
      `{"version":1,"root":{"type":"directory","entries":{"B":{"type":"regular","size":1,"narOffset":232},"a":{"type":"regular","size":1,"narOffset":424},"eight":{"type":"regular","size":8,"narOffset":616},"nine":{"type":"regular","size":9,"narOffset":808},"run.sh":{"type":"regular","size":18,"executable":true,"narOffset":1040},"sub":{"type":"directory","entries":{".keep":{"type":"regular","size":0,"narOffset":1384},"empty":{"type":"directory","entries":{}},"link":{"type":"symlink","target":"../eight"}}}}}}`,
    );
    assert.equal(
      text(serializeListingEntry(locate(l, "sub")!)),
      `{"type":"directory","entries":{".keep":{"type":"regular","size":0,"narOffset":1384},"empty":{"type":"directory","entries":{}},"link":{"type":"symlink","target":"../eight"}}}`,
    );
    assert.deepEqual(parseListing(serializeListing(l)), l);
    // narOffsets point at the contents.
    const b = writeNarSync(specTree);
    const runSh = locate(l, "run.sh");
    assert.equal(runSh?.type, "regular");
    if (runSh?.type === "regular")
      assert.equal(
        text(b.subarray(runSh.narOffset, runSh.narOffset + runSh.size)),
        "#!/bin/sh\necho hi\n",
      );
  });
  it("listing escapes exactly like Nix 2.8 (control bytes, quotes, non-UTF-8)", async () => {
    // `nix copy --to file://...?write-nar-listing=1` of a directory with the file
    // `x"\<LF><TAB><01><7f>é<ff><1f>` and the symlink lnk -> `a<02>b"\<CR><08><0c>/€`.
    const n = fromHex(
      "0d000000000000006e69782d617263686976652d31000000010000000000000028000000000000000400000000000000747970650000000009000000000000006469726563746f7279000000000000000500000000000000656e7472790000000100000000000000280000000000000004000000000000006e616d650000000003000000000000006c6e6b000000000004000000000000006e6f6465000000000100000000000000280000000000000004000000000000007479706500000000070000000000000073796d6c696e6b00060000000000000074617267657400000c00000000000000610262225c0d080c2fe282ac0000000001000000000000002900000000000000010000000000000029000000000000000500000000000000656e7472790000000100000000000000280000000000000004000000000000006e616d65000000000b0000000000000078225c0a09017fc3a9ff1f000000000004000000000000006e6f64650000000001000000000000002800000000000000040000000000000074797065000000000700000000000000726567756c6172000800000000000000636f6e74656e74730000000000000000010000000000000029000000000000000100000000000000290000000000000001000000000000002900000000000000",
    )!;
    const want = fromHex(
      "7b2276657273696f6e223a312c22726f6f74223a7b2274797065223a226469726563746f7279222c22656e7472696573223a7b226c6e6b223a7b2274797065223a2273796d6c696e6b222c22746172676574223a22615c7530303032625c225c5c5c725c75303030385c75303030632fe282ac227d2c22785c225c5c5c6e5c745c75303030317fc3a9ff5c7530303166223a7b2274797065223a22726567756c6172222c2273697a65223a302c226e61724f6666736574223a3434307d7d7d7d",
    )!;
    const l = await listNar(n);
    assert.deepEqual(serializeListing(l), want);
    const tree = parseNar(n);
    assert.equal(tree.type, "directory");
    if (tree.type === "directory")
      assert.deepEqual(tree.entries[1]!.name, latin1('x"\\\n\t\x01\x7f\xc3\xa9\xff\x1f'));
    // The sorted (nlohmann) style uses \b and \f.
    assert.ok(text(serializeListing(l, { style: "sorted" })).includes(String.raw`\r\b\f/`));
  });
});

describe("listing parsing", () => {
  const ok = `{"version":1,"root":{"type":"directory","entries":{"f":{"type":"regular","size":3,"narOffset":200,"executable":true},"l":{"type":"symlink","target":"f"}}}}`;
  it("accepts a valid listing", () => {
    const l = parseListing(ok);
    assert.deepEqual(locate(l, "f"), {
      type: "regular",
      size: 3,
      executable: true,
      narOffset: 200,
    });
    assert.deepEqual(locate(l, "l"), { type: "symlink", target: bytes("f") });
  });
  const bad: [string, string][] = [
    ["version 2", ok.replace(`"version":1`, `"version":2`)],
    ["no version", ok.replace(`"version":1,`, "")],
    ["missing narOffset", ok.replace(`,"narOffset":200`, "")],
    ["negative size", ok.replace(`"size":3`, `"size":-3`)],
    ["fractional offset", ok.replace(`"narOffset":200`, `"narOffset":2.5`)],
    ["unknown type", ok.replace(`"type":"symlink"`, `"type":"fifo"`)],
    ["empty target", ok.replace(`"target":"f"`, `"target":""`)],
    ["name with slash", ok.replace(`"l":`, `"a/b":`)],
    ["name ..", ok.replace(`"l":`, `"..":`)],
    ["entries not an object", `{"version":1,"root":{"type":"directory","entries":[]}}`],
    ["not JSON", `{"version":1,`],
    ["not an object", `[1]`],
    ["no root", `{"version":1}`],
  ];
  for (const [what, json] of bad) {
    it(`rejects: ${what}`, () => {
      assert.throws(
        () => parseListing(json),
        (e: unknown) => e instanceof NarError && e.code === "invalid-listing",
      );
    });
  }
  it("rejects bytes that are not UTF-8", () => {
    assert.throws(
      () => parseListing(latin1('{"version":1,"root":{"type":"symlink","target":"\xff"}}')),
      NarError,
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ContentAddress,
  fromHex,
  HashError,
  hashPlaceholder,
  makeFixedOutputPath,
  makeSourcePath,
  makeTextPath,
  Nixbase32Error,
  NixHash,
  nixbase32,
  parseAbsoluteStorePath,
  parseContentAddress,
  parseNixHash,
  parseStorePathAndSubpath,
  parseStorePathBaseName,
  StorePathError,
  toHex,
  utf8Encode,
} from "../src/index.ts";

const hex = (s: string) => fromHex(s)!;

describe("nixbase32 (spec §1.1)", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["1f", "0z"],
    ["8a12321522fd91efbd60ebb2481af88580f61600", "00bgd045z0d4icpbc2yyz4gx48ak44la"],
    [
      "b3a24de97a8fdbc835b9833169501030b8977031bcb54b3b3ac13740f846ab30",
      "0c5b8vw40dy178xlpddw65q9gf1h2186jcc3p4swinwggbllv8mk",
    ],
    ["01", "01"],
    ["80", "40"],
    ["0001", "0080"],
    ["00".repeat(20), "0".repeat(32)],
    ["ff".repeat(20), "z".repeat(32)],
    ["0102030405060708090a", "184hh1q60l2060h1"],
  ];
  for (const [h, enc] of vectors) {
    it(`round-trips ${enc || "(empty)"}`, () => {
      assert.equal(nixbase32.encode(hex(h)), enc);
      assert.equal(toHex(nixbase32.decode(enc)), h);
    });
  }
  it("computes lengths", () => {
    assert.equal(nixbase32.encodedLength(20), 32);
    assert.deepEqual([1, 2, 3, 4, 5, 32].map(nixbase32.decodedLength), [0, 1, 1, 2, 3, 20]);
  });
  for (const bad of ["0", "0zz", "zz", "c0", "0e", "0O", "0Z", "é0"]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => nixbase32.decode(bad), Nixbase32Error);
    });
  }
  it("decodeFixed checks the length", () => {
    assert.throws(() => nixbase32.decodeFixed("00", 32), Nixbase32Error);
  });
});

describe("hashes (spec §1.2-1.3, §9)", () => {
  const digests = {
    sha1: "6016777997c30ab02413cf5095622cd7924283ac",
    sha256: "a5ce9c155ed09397614646c9717fc7cd94b1023d7b76b618d409e4fefd6e9d39",
    md5: "c4874a8897440b393d862d8fd459073f",
    sha512:
      "ab40d0be3541f0774bba7815d13d10b03252e96e95f7dbb4ee99a3b431c21662fd6971a020160e39848aa5f305b9be0f78727b2b0789e39f124d21e92b8f39ef",
  } as const;
  for (const [algo, d] of Object.entries(digests) as [keyof typeof digests, string][]) {
    it(`${algo} round-trips in every encoding`, () => {
      const h = new NixHash(algo, hex(d));
      for (const s of [h.toHex(), h.toNixBase32(), h.toBase64()]) {
        assert.equal(parseNixHash(s, algo).toHex(), d);
        assert.equal(parseNixHash(`${algo}:${s}`).toHex(), d);
      }
      assert.equal(parseNixHash(h.toSri()).toHex(), d);
      assert.equal(parseNixHash(d.toUpperCase(), algo).toHex(), d);
    });
  }
  it("sha256 SRI", () => {
    assert.equal(
      new NixHash("sha256", hex(digests.sha256)).toSri(),
      "sha256-pc6cFV7Qk5dhRkbJcX/HzZSxAj17drYY1Ank/v1unTk=",
    );
  });
  it("SRI tolerance and rejections", () => {
    const b =
      "7g91TBvYoYQorRTqo+rYD/i5YnWvUBLnqDhPHxBJDaBW7smuPMeRp6E6JOFuVN9bzN0QnH1ToUU0u9c2CjALEQ";
    const want =
      "ee0f754c1bd8a18428ad14eaa3ead80ff8b96275af5012e7a8384f1f10490da056eec9ae3cc791a7a13a24e16e54df5bccdd109c7d53a14534bbd7360a300b11";
    for (const suffix of ["", "=", "==", "===", "== cheesecake"]) {
      assert.equal(parseNixHash(`sha512-${b}${suffix}`).toHex(), want);
    }
    assert.throws(() => parseNixHash("sha256-pc6cFV7Qk5dhRkbJcX/HzZSxAj17drYY1Ank"), HashError);
    assert.throws(() => parseNixHash("sha384-pc6cFV7Qk5dhRkbJcX/HzZSxAj17drYY1Ank"), HashError);
    assert.throws(() => parseNixHash("sha256-invalid=base64"), HashError);
    assert.equal(
      parseNixHash("sha256-fgIr3TyFGDAXP5+qoAaiMKDg/a1MlT6Fv/S/DaA24S8").toHex(),
      "7e022bdd3c851830173f9faaa006a230a0e0fdad4c953e85bff4bf0da036e12f",
    );
    assert.throws(
      () => parseNixHash("fgIr3TyFGDAXP5+qoAaiMKDg/a1MlT6Fv/S/DaA24S8", "sha256"),
      HashError,
    );
    assert.equal(
      parseNixHash("sha256-syceJMUEknBDCHK8eGs6rUU3IQn+HnQfURfCrDxYPa9=").toHex(),
      "b3271e24c5049270430872bc786b3aad45372109fe1e741f5117c2ac3c583daf",
    );
  });
  it("requires a type for bare digests and rejects conflicts", () => {
    assert.throws(() => parseNixHash(digests.sha256), HashError);
    assert.throws(() => parseNixHash(`sha256:${digests.sha256}`, "sha1"), HashError);
    assert.throws(() => parseNixHash(digests.sha256, "sha384"), HashError);
    assert.throws(() => parseNixHash(`${digests.sha256}0`, "sha256"), HashError);
  });
  it("Nix 2.8 vectors for hello.txt", () => {
    const data = utf8Encode("Hello World!");
    const h = NixHash.of("sha256", data);
    assert.equal(h.toNixBase32(), "0schdl901lnx98l7gmm33x5jvz2xsshli0f15nwm7z7igxjv30vz");
    assert.equal(h.toSri(), "sha256-f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk=");
    assert.equal(NixHash.of("sha1", data).toNixBase32(), "f4l2674zz2ajy12zgplh8m6f13kbvxrf");
    assert.equal(NixHash.of("md5", data).toNixBase32(), "4c1p2vz4hyhig3d1ifaf3n41zd");
    assert.equal(
      NixHash.of("sha512", data).toSri(),
      "sha512-hhhE1nBOhXP+w02WfiC8/vPUJM9IvgTm3AjyvVjHKXQzcQFerYkcw88cnTS0kmS1EHUbH/nlN5N7xGtdb/TsyA==",
    );
  });
  it("encodes the ca_hash vector", () => {
    const h = new NixHash(
      "sha256",
      hex("08813cbee9903c62be4c5027726a418a300da4500b2d369d3af9286f4815ceba"),
    );
    assert.equal(h.toNixBase32(), "1fnf2m46ya7r7afkcb8ba2j0sc4a85m749sh9jz64g4hx6z3r088");
    assert.equal(h.toBase64(), "CIE8vumQPGK+TFAncmpBijANpFALLTadOvkob0gVzro=");
  });
});

describe("content addresses (spec §1.4)", () => {
  it("parses and prints", () => {
    for (const s of [
      "fixed:sha256:1fnf2m46ya7r7afkcb8ba2j0sc4a85m749sh9jz64g4hx6z3r088",
      "fixed:r:sha256:1fnf2m46ya7r7afkcb8ba2j0sc4a85m749sh9jz64g4hx6z3r088",
      "text:sha256:1fnf2m46ya7r7afkcb8ba2j0sc4a85m749sh9jz64g4hx6z3r088",
      "fixed:r:sha1:1ak1ymbmsfx7z8kh09jzkr3a4dvkrfjw",
    ]) {
      assert.equal(parseContentAddress(s).toString(), s);
    }
    assert.equal(
      parseContentAddress("fixed:r:sha1:1ak1ymbmsfx7z8kh09jzkr3a4dvkrfjw").hash.toHex(),
      "5cba3c77236ae4f9650270a27fbad375551fa60a",
    );
  });
  for (const bad of [
    "text:sha1:1ak1ymbmsfx7z8kh09jzkr3a4dvkrfjw",
    "fixed:sha384:abc",
    "fixed:r:sha256:",
    "blah:sha256:1fnf2m46ya7r7afkcb8ba2j0sc4a85m749sh9jz64g4hx6z3r088",
    "fixed:sha256",
  ]) {
    it(`rejects ${bad}`, () => assert.throws(() => parseContentAddress(bad), HashError));
  }
});

describe("store paths (spec §2, §9)", () => {
  it("parses a base name", () => {
    const p = parseStorePathBaseName(
      "00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432",
    );
    assert.equal(toHex(p.digest), "8a12321522fd91efbd60ebb2481af88580f61600");
    assert.equal(p.name, "net-tools-1.60_p20170221182432");
  });
  for (const bad of [
    "00bgd045z0d4icpbc2yy-",
    `00bgd045z0d4icpbc2yyz4gx48ak44la-${"a".repeat(212)}`,
    "00bgd045z0d4icpbc2yyz4gx48ak44lu-net-tools",
    "00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools/bin/arp",
    "00bgd045z0d4icpbc2yyz4gx48ak44lanet-tools",
    "00bgd045z0d4icpbc2yyz4gx48ak44la-",
  ]) {
    it(`rejects ${bad.slice(0, 60)}`, () =>
      assert.throws(() => parseStorePathBaseName(bad), StorePathError));
  }
  it("accepts 211-byte names and dot names (strict mode rejects the CppNix cases)", () => {
    parseStorePathBaseName(`00bgd045z0d4icpbc2yyz4gx48ak44la-${"a".repeat(211)}`);
    parseStorePathBaseName("fli4bwscgna7lpm7v5xgnjxrxh0yc7ra-.gitignore", { strict: true });
    parseStorePathBaseName("fli4bwscgna7lpm7v5xgnjxrxh0yc7ra-..-foo");
    for (const n of [".", "..", ".-foo", "..-foo"]) {
      assert.throws(
        () => parseStorePathBaseName(`fli4bwscgna7lpm7v5xgnjxrxh0yc7ra-${n}`, { strict: true }),
        StorePathError,
      );
    }
  });
  it("absolute paths and subpaths", () => {
    const abs = "/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432";
    assert.equal(parseAbsoluteStorePath(abs).toAbsolutePath(), abs);
    assert.throws(() => parseAbsoluteStorePath("/nix/stor/x"), StorePathError);
    assert.equal(parseStorePathAndSubpath(`${abs}/bin/arp/`).subpath, "bin/arp/");
    assert.equal(parseStorePathAndSubpath(`${abs}/`).subpath, "");
    assert.throws(() => parseStorePathAndSubpath("/nix/store/"), StorePathError);
    assert.throws(() => parseStorePathAndSubpath("/nix/store/foo"), StorePathError);
  });
  it("builds text paths", () => {
    assert.equal(
      makeTextPath("foo", "bar").toString(),
      "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo",
    );
    assert.equal(
      makeTextPath("baz", "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo", [
        "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo",
      ]).toString(),
      "/nix/store/5xd714cbfnkz02h2vbsj4fm03x3f15nf-baz",
    );
    assert.equal(
      makeTextPath("hello.txt", "Hello World!").toString(),
      "/nix/store/r4mvpxzh7rgrm4j831b2yi90zq64grqm-hello.txt",
    );
  });
  it("builds fixed-output paths", () => {
    assert.equal(
      makeFixedOutputPath(
        "bar",
        new ContentAddress(
          "nar",
          new NixHash("sha1", hex("0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33")),
        ),
      ).toString(),
      "/nix/store/mp57d33657rf34lzvlbpfa1gjfv5gmpg-bar",
    );
    assert.equal(
      makeFixedOutputPath(
        "baz",
        new ContentAddress(
          "nar",
          parseNixHash("1xqkzcb3909fp07qngljr4wcdnrh1gdam1m2n29i6hhrxlmkgkv1", "sha256"),
        ),
        ["/nix/store/dxwkwjzdaq7ka55pkk252gh32bgpmql4-foo"],
      ).toString(),
      "/nix/store/s89y431zzhmdn3k8r96rvakryddkpv2v-baz",
    );
    const data = utf8Encode("Hello World!");
    const flat = (algo: "md5" | "sha1" | "sha256" | "sha512") =>
      makeFixedOutputPath("hello.txt", new ContentAddress("flat", NixHash.of(algo, data))).baseName;
    assert.equal(flat("sha256"), "z304n4ccbya3lf8bq20sl2zhmzd3lx1a-hello.txt");
    assert.equal(flat("sha1"), "4794wprn6hkhip2s8vms9knq9wikk3w4-hello.txt");
    assert.equal(flat("md5"), "x4ln3m5zz3580ad10nhb21qxdgw4pwy7-hello.txt");
    assert.equal(flat("sha512"), "xch3h1izixp1pivwh6qrrgiijw288pg2-hello.txt");
    const narSha256 = hex("03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040");
    assert.equal(
      makeSourcePath("hello.txt", narSha256).baseName,
      "925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt",
    );
  });
  it("follows CppNix on self-references and references", () => {
    const narSha256 = hex("03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040");
    makeSourcePath("x", narSha256, [], true);
    const flat = new ContentAddress("flat", NixHash.of("sha256", utf8Encode("x")));
    assert.throws(() =>
      makeFixedOutputPath("x", flat, ["/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"]),
    );
    const text = new ContentAddress("text", NixHash.of("sha256", utf8Encode("x")));
    assert.throws(() => makeFixedOutputPath("x", text, [], true));
  });
  it("placeholder", () => {
    assert.equal(hashPlaceholder("out"), "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");
  });
});

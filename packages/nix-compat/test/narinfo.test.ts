import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { zstdDecompressSync } from "node:zlib";
import { conformanceDir, conformanceMissing } from "../../../test-support/index.ts";
import { signatureProvider as nodeProvider } from "../src/crypto/signature-node.ts";
import { signatureProvider as portableProvider } from "../src/crypto/signature-portable.ts";
import {
  fingerprint,
  formatNarInfo,
  isNarInfoTrusted,
  type NarInfo,
  NarInfoError,
  narInfoCompression,
  narInfoFingerprint,
  parseAbsoluteStorePath,
  parseNarInfo,
  parseNixHash,
  parseStorePathBaseName,
  parseVerifyingKey,
  toHex,
  validNarInfoSignatures,
} from "../src/index.ts";
import { HELLO_NARINFO, REFS_NARINFO } from "./fixtures/narinfo-vectors.ts";

const testdata = conformanceDir("nix-compat/testdata");
const CACHE_NIXOS_ORG = parseVerifyingKey(
  "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=",
);

/** The corpus is narinfos separated by one blank line (each narinfo ends in `\n`). */
function corpus(): string[] {
  const text = zstdDecompressSync(readFileSync(join(testdata!, "narinfo.zst"))).toString("utf8");
  return text
    .split("\n\n")
    .filter((s) => s !== "")
    .map((s) => `${s}\n`);
}

describe("narinfo corpus (978 cache.nixos.org narinfos, spec §4.1)", {
  skip: testdata ? false : conformanceMissing("nix-compat/testdata"),
}, () => {
  const cases = testdata ? corpus() : [];
  it("has the expected shape", () => {
    assert.equal(cases.length, 978);
    const infos = cases.map((c) => parseNarInfo(c));
    const count = (f: (n: NarInfo) => boolean) => infos.filter(f).length;
    assert.equal(
      count((n) => n.compression === "xz"),
      977,
    );
    assert.equal(
      count((n) => n.compression === "bzip2"),
      1,
    );
    assert.equal(
      count((n) => n.system !== undefined),
      8,
    );
    assert.equal(
      count((n) => n.ca !== undefined),
      8,
    );
    assert.equal(
      count((n) => n.extraFields.length > 0),
      0,
    );
  });
  it("round-trips byte for byte", () => {
    let same = 0;
    for (const c of cases) {
      const out = formatNarInfo(parseNarInfo(c));
      if (out === c) same++;
      else assert.equal(out, c);
    }
    assert.equal(same, 978);
  });
  it("parses from bytes too", () => {
    const c = cases[0]!;
    assert.equal(formatNarInfo(parseNarInfo(new TextEncoder().encode(c))), c);
  });
  it("every signature verifies with cache.nixos.org-1 (node:crypto provider)", () => {
    let ok = 0;
    for (const c of cases) if (isNarInfoTrusted(parseNarInfo(c), [CACHE_NIXOS_ORG])) ok++;
    assert.equal(ok, 978);
  });
  it("the portable provider agrees on a sample (and on a tampered copy)", () => {
    for (const c of cases.slice(0, 40)) {
      const n = parseNarInfo(c);
      assert.ok(isNarInfoTrusted(n, [CACHE_NIXOS_ORG], { provider: portableProvider }));
      const tampered = { ...n, narSize: n.narSize + 1 };
      assert.equal(
        isNarInfoTrusted(tampered, [CACHE_NIXOS_ORG], { provider: portableProvider }),
        false,
      );
      assert.equal(
        isNarInfoTrusted(tampered, [CACHE_NIXOS_ORG], { provider: nodeProvider }),
        false,
      );
    }
  });
});

const DUMMY_PUBLIC = parseVerifyingKey(
  "cache.example.com-1:yKUSiqP9yaMSduDmGtw8U9iVVd/Coyv9csB1rjHtiRM=",
);

describe("Nix 2.8 narinfos (spec §9.2)", () => {
  it("hello.txt parses, round-trips and has the documented fingerprint", () => {
    const n = parseNarInfo(HELLO_NARINFO);
    assert.equal(formatNarInfo(n), HELLO_NARINFO);
    assert.equal(n.compression, "none");
    assert.equal(n.fileSize, 128);
    assert.deepEqual(n.references, []);
    assert.equal(
      n.ca?.toString(),
      "fixed:r:sha256:0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3",
    );
    assert.equal(
      n.narHash.toHex(),
      "03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040",
    );
    assert.equal(
      narInfoFingerprint(n),
      "1;/nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt;sha256:0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3;128;",
    );
    assert.ok(isNarInfoTrusted(n, [DUMMY_PUBLIC]));
  });
  it("refs parses, round-trips and has the documented fingerprint", () => {
    const n = parseNarInfo(REFS_NARINFO);
    assert.equal(formatNarInfo(n), REFS_NARINFO);
    assert.equal(n.deriver?.baseName, "a9jsrvlmc9qkx7j0srjqy2rkzjsbf12y-refs.drv");
    assert.equal(
      toHex(n.narHash.digest),
      "4165531d30e5bf6d91f800fcf57001159bcf1c85aa4e2ea7f636519f9713367c",
    );
    assert.equal(
      narInfoFingerprint(n),
      "1;/nix/store/r9ypxzp11h5j2fhvniq3i8c52daj30cx-refs;sha256:0z1n2fbryl9nyskjwkmahlfcz6qm05qgbz00z28nvgz560fm6ra1;216;/nix/store/r9ypxzp11h5j2fhvniq3i8c52daj30cx-refs,/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo",
    );
    assert.equal(validNarInfoSignatures(n, [DUMMY_PUBLIC]).length, 1);
    assert.equal(validNarInfoSignatures(n, [CACHE_NIXOS_ORG]).length, 0);
  });
});

// Narinfos from Tvix's narinfo tests (real cache.nixos.org files, one edited).
const OUT_OF_ORDER = `StorePath: /nix/store/xi429w4ddvb1r77978hm7jfb2jsn559r-gcc-3.4.6
URL: nar/1hr09cgkyw1hcsfkv5qp5jlpmf2mqrkrqs3xj5zklq9c1h9544ff.nar.bz2
Compression: bzip2
FileHash: sha256:1hr09cgkyw1hcsfkv5qp5jlpmf2mqrkrqs3xj5zklq9c1h9544ff
FileSize: 4006
NarHash: sha256:0ik9mpqxpd9hv325hdblj2nawqj5w7951qdyy8ikxgwr6fq7m11c
NarSize: 21264
References: a8922c0h87iilxzzvwn2hmv8x210aqb9-glibc-2.7 7w2acjgalb0cm7b3bg8yswza4l7iil9y-binutils-2.18 mm631h09mj964hm9q04l5fd8vw12j1mm-bash-3.2-p39 nx2zs2qd6snfcpzw4a0jnh26z9m0yihz-gcc-3.4.6 xi429w4ddvb1r77978hm7jfb2jsn559r-gcc-3.4.6
Deriver: 2dzpn70c1hawczwhg9aavqk18zp9zsva-gcc-3.4.6.drv
Sig: cache.nixos.org-1:o1DTsjCz0PofLJ216P2RBuSulI8BAb6zHxWE4N+tzlcELk5Uk/GO2SCxWTRN5wJutLZZ+cHTMdWqOHF88KGQDg==
`;
const CA_SHA1 = `StorePath: /nix/store/k20pahypzvr49fy82cw5sx72hdfg3qcr-texlive-hyphenex-37354
URL: nar/0i5biw0g01514llhfswxy6xfav8lxxdq1xg6ik7hgsqbpw0f06yi.nar.xz
Compression: xz
FileHash: sha256:0i5biw0g01514llhfswxy6xfav8lxxdq1xg6ik7hgsqbpw0f06yi
FileSize: 7120
NarHash: sha256:0h1bm4sj1cnfkxgyhvgi8df1qavnnv94sd0v09wcrm971602shfg
NarSize: 22552
References: 
Sig: cache.nixos.org-1:u01BybwQhyI5H1bW1EIWXssMDhDDIvXOG5uh8Qzgdyjz6U1qg6DHhMAvXZOUStIj6X5t4/ufFgR8i3fjf0bMAw==
CA: fixed:r:sha1:1ak1ymbmsfx7z8kh09jzkr3a4dvkrfjw
`;
const NAR_HASH_HEX = `StorePath: /nix/store/0vpqfxbkx0ffrnhbws6g9qwhmliksz7f-perl-HTTP-Cookies-6.01
URL: nar/1rv1m9inydm1r4krw8hmwg1hs86d0nxddd1pbhihx7l7fycjvfk3.nar.xz
Compression: xz
FileHash: sha256:1rv1m9inydm1r4krw8hmwg1hs86d0nxddd1pbhihx7l7fycjvfk3
FileSize: 19912
NarHash: sha256:60adfd293a4d81ad7cd7e47263cbb3fc846309ef91b154a08ba672b558f94ff3
NarSize: 45840
References: 0vpqfxbkx0ffrnhbws6g9qwhmliksz7f-perl-HTTP-Cookies-6.01 9vrhbib2lxd9pjlg6fnl5b82gblidrcr-perl-HTTP-Message-6.06 wy20zslqxzxxfpzzk0rajh41d7a6mlnf-perl-HTTP-Date-6.02
Deriver: fb4ihlq3psnsjq95mvvs49rwpplpc8zj-perl-HTTP-Cookies-6.01.drv
Sig: cache.nixos.org-1:HhaiY36Uk3XV1JGe9d9xHnzAapqJXprU1YZZzSzxE97jCuO5RR7vlG2kF7MSC5thwRyxAtdghdSz3AqFi+QSCw==
`;

describe("narinfo field handling (spec §4.1, Tvix flag tests)", () => {
  it("keeps out-of-order references as listed; the signature covers the listed order", () => {
    const n = parseNarInfo(OUT_OF_ORDER);
    assert.deepEqual(
      n.references.map((r) => r.baseName),
      [
        "a8922c0h87iilxzzvwn2hmv8x210aqb9-glibc-2.7",
        "7w2acjgalb0cm7b3bg8yswza4l7iil9y-binutils-2.18",
        "mm631h09mj964hm9q04l5fd8vw12j1mm-bash-3.2-p39",
        "nx2zs2qd6snfcpzw4a0jnh26z9m0yihz-gcc-3.4.6",
        "xi429w4ddvb1r77978hm7jfb2jsn559r-gcc-3.4.6",
      ],
    );
    assert.equal(formatNarInfo(n), OUT_OF_ORDER);
    // CppNix's (sorted) fingerprint does not match this old signature, Tvix's (listed) does;
    // verification accepts either.
    const sig = n.signatures[0]!;
    assert.equal(CACHE_NIXOS_ORG.verify(narInfoFingerprint(n), sig), false);
    assert.equal(CACHE_NIXOS_ORG.verify(narInfoFingerprint(n, { keepOrder: true }), sig), true);
    assert.ok(isNarInfoTrusted(n, [CACHE_NIXOS_ORG]));
  });
  it("parses a sha1 NAR content address", () => {
    const n = parseNarInfo(CA_SHA1);
    assert.equal(n.ca?.method, "nar");
    assert.equal(n.ca?.hash.algo, "sha1");
    assert.equal(n.ca?.hash.toHex(), "5cba3c77236ae4f9650270a27fbad375551fa60a");
    assert.equal(formatNarInfo(n), CA_SHA1);
    assert.ok(isNarInfoTrusted(n, [CACHE_NIXOS_ORG]));
  });
  it("defaults a missing Compression to bzip2 (and keeps it missing)", () => {
    const text = REFS_NARINFO.replace("Compression: xz\n", "");
    const n = parseNarInfo(text);
    assert.equal(n.compression, undefined);
    assert.equal(narInfoCompression(n), "bzip2");
    assert.equal(formatNarInfo(n), text);
    assert.equal(
      narInfoCompression(
        parseNarInfo(REFS_NARINFO.replace("Compression: xz\n", "Compression: \n")),
      ),
      "bzip2",
    );
  });
  it("accepts a hex NarHash and writes it as nixbase32", () => {
    const n = parseNarInfo(NAR_HASH_HEX);
    assert.equal(
      n.narHash.toHex(),
      "60adfd293a4d81ad7cd7e47263cbb3fc846309ef91b154a08ba672b558f94ff3",
    );
    const out = formatNarInfo(n);
    assert.match(out, /^NarHash: sha256:[0-9a-z]{52}$/m);
    assert.deepEqual(parseNarInfo(out), n);
    assert.ok(isNarInfoTrusted(n, [CACHE_NIXOS_ORG]));
  });
  it("accepts base64 and SRI hashes (CppNix parseAnyPrefixed)", () => {
    const h = parseNixHash("sha256:0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3");
    for (const form of [`sha256:${h.toBase64()}`, h.toSri(), `sha256:${h.toHex()}`]) {
      const n = parseNarInfo(HELLO_NARINFO.replace(/^NarHash: .*$/m, `NarHash: ${form}`));
      assert.ok(n.narHash.equals(h), form);
      assert.equal(formatNarInfo(n), HELLO_NARINFO);
    }
  });
  it("treats Deriver: unknown-deriver as no deriver (CppNix)", () => {
    const n = parseNarInfo(REFS_NARINFO.replace(/^Deriver: .*$/m, "Deriver: unknown-deriver"));
    assert.equal(n.deriver, undefined);
  });
  it("keeps System lines (old Hydra) in place", () => {
    const text = REFS_NARINFO.replace(/^(Deriver: .*)$/m, "$1\nSystem: i686-linux");
    const n = parseNarInfo(text);
    assert.equal(n.system, "i686-linux");
    assert.equal(formatNarInfo(n), text);
  });
  it("keeps unknown fields and writes them last", () => {
    const text = `${HELLO_NARINFO}Provenance: {"type":"copied"}\nX-Extra: a\nX-Extra: b\n`;
    const n = parseNarInfo(text);
    assert.deepEqual(n.extraFields, [
      ["Provenance", '{"type":"copied"}'],
      ["X-Extra", "a"],
      ["X-Extra", "b"],
    ]);
    assert.equal(formatNarInfo(n), text);
    const moved = HELLO_NARINFO.replace("URL:", "X-Early: 1\nURL:");
    assert.equal(formatNarInfo(parseNarInfo(moved)), `${HELLO_NARINFO}X-Early: 1\n`);
  });
  it("makes References optional (CppNix) and writes an empty list", () => {
    const n = parseNarInfo(HELLO_NARINFO.replace("References: \n", ""));
    assert.deepEqual(n.references, []);
    assert.equal(formatNarInfo(n), HELLO_NARINFO);
  });
  it("accepts 'References:' without the space, CRLF and a missing final newline", () => {
    const n = parseNarInfo(HELLO_NARINFO.replace("References: \n", "References:\n"));
    assert.equal(formatNarInfo(n), HELLO_NARINFO);
    assert.equal(
      formatNarInfo(parseNarInfo(HELLO_NARINFO.replaceAll("\n", "\r\n"))),
      HELLO_NARINFO,
    );
    assert.equal(formatNarInfo(parseNarInfo(HELLO_NARINFO.slice(0, -1))), HELLO_NARINFO);
  });
  it("treats empty CA as none (CppNix parseOpt)", () => {
    const n = parseNarInfo(HELLO_NARINFO.replace(/^CA: .*$/m, "CA: "));
    assert.equal(n.ca, undefined);
  });
  it("keeps signatures in their order, several allowed", () => {
    const other = REFS_NARINFO.match(/^Sig: (.*)$/m)![1]!;
    const text = HELLO_NARINFO.replace(/^(Sig: .*)$/m, `$1\nSig: x-${other}`);
    const n = parseNarInfo(text);
    assert.equal(n.signatures.length, 2);
    assert.equal(n.signatures[1]!.name, "x-cache.example.com-1");
    assert.equal(formatNarInfo(n), text);
    assert.equal(validNarInfoSignatures(n, [DUMMY_PUBLIC]).length, 1);
  });
});

describe("narinfo store directory", () => {
  it("parses and writes paths under another store directory", () => {
    const text = REFS_NARINFO.replace("StorePath: /nix/store/", "StorePath: /gnu/store/");
    assert.throws(() => parseNarInfo(text), NarInfoError);
    const n = parseNarInfo(text, { storeDir: "/gnu/store" });
    assert.equal(formatNarInfo(n, { storeDir: "/gnu/store" }), text);
    assert.equal(formatNarInfo(n), REFS_NARINFO);
    assert.match(
      narInfoFingerprint(n, { storeDir: "/gnu/store" }),
      /^1;\/gnu\/store\/r9y.*,\/gnu\/store\/vxj/,
    );
  });
});

describe("narinfo errors", () => {
  const cases: [string, string, RegExp][] = [
    ["no StorePath", HELLO_NARINFO.replace(/^StorePath: .*\n/m, ""), /no StorePath/],
    ["no URL", HELLO_NARINFO.replace(/^URL: .*\n/m, ""), /no URL/],
    ["empty URL", HELLO_NARINFO.replace(/^URL: .*$/m, "URL: "), /line 2: URL is empty/],
    ["no NarHash", HELLO_NARINFO.replace(/^NarHash: .*\n/m, ""), /no NarHash/],
    ["no NarSize", HELLO_NARINFO.replace(/^NarSize: .*\n/m, ""), /no NarSize/],
    ["NarSize 0", HELLO_NARINFO.replace(/^NarSize: .*$/m, "NarSize: 0"), /NarSize 0/],
    ["negative size", HELLO_NARINFO.replace(/^FileSize: .*$/m, "FileSize: -1"), /line 5: FileSize/],
    [
      "huge size",
      HELLO_NARINFO.replace(/^NarSize: .*$/m, "NarSize: 99999999999999999999"),
      /too large/,
    ],
    ["line without colon", HELLO_NARINFO.replace("URL: ", "URL "), /line 2: expected 'Key: value'/],
    ["no space after colon", HELLO_NARINFO.replace("URL: ", "URL:"), /line 2: expected a space/],
    ["empty line", HELLO_NARINFO.replace("\nURL", "\n\nURL"), /line 2 is empty/],
    ["empty key", `: x\n${HELLO_NARINFO}`, /line 1: the field name is empty/],
    ["stray CR", HELLO_NARINFO.replace("URL: ", "URL: a\rb"), /carriage return/],
    [
      "duplicate StorePath",
      HELLO_NARINFO + HELLO_NARINFO.split("\n")[0]!,
      /duplicate field StorePath/,
    ],
    ["duplicate References", `${HELLO_NARINFO}References: \n`, /duplicate field References/],
    [
      "bad StorePath",
      HELLO_NARINFO.replace("/nix/store/925f", "/nix/stor/925f"),
      /line 1: invalid StorePath/,
    ],
    ["bad reference", REFS_NARINFO.replace("vxjiwk", "vxjiwe"), /line 8: invalid reference/],
    [
      "bad deriver",
      REFS_NARINFO.replace("Deriver: a9", "Deriver: /nix/store/a9"),
      /line 9: invalid Deriver/,
    ],
    [
      "sha1 NarHash",
      HELLO_NARINFO.replace(/^NarHash: .*$/m, "NarHash: sha1:f4l2674zz2ajy12zgplh8m6f13kbvxrf"),
      /must be a sha256/,
    ],
    [
      "unprefixed NarHash",
      HELLO_NARINFO.replace("NarHash: sha256:", "NarHash: "),
      /line 6: invalid NarHash/,
    ],
    [
      "bad FileHash",
      HELLO_NARINFO.replace("FileHash: sha256:0h", "FileHash: sha256:eh"),
      /line 4: invalid FileHash/,
    ],
    [
      "unknown compression",
      HELLO_NARINFO.replace("Compression: none", "Compression: rar"),
      /unknown compression method "rar"/,
    ],
    ["bad signature", HELLO_NARINFO.replace("==\n", "\n"), /line 9: invalid signature/],
    ["bad CA", HELLO_NARINFO.replace("CA: fixed:r:", "CA: fixed:q:"), /line 10: invalid CA/],
  ];
  for (const [what, text, msg] of cases) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => parseNarInfo(text),
        (e: unknown) => {
          assert.ok(e instanceof NarInfoError, String(e));
          assert.match((e as Error).message, msg);
          return true;
        },
      );
    });
  }
  it("rejects invalid UTF-8 bytes", () => {
    assert.throws(() => parseNarInfo(new Uint8Array([0x53, 0xff, 0x0a])), NarInfoError);
  });
  it("refuses to write values with line breaks or non-sha256 hashes", () => {
    const n = parseNarInfo(HELLO_NARINFO);
    assert.throws(() => formatNarInfo({ ...n, url: "a\nStorePath: x" }), NarInfoError);
    assert.throws(() => formatNarInfo({ ...n, extraFields: [["NarHash", "x"]] }), NarInfoError);
    assert.throws(() => formatNarInfo({ ...n, narSize: -1 }), NarInfoError);
    assert.throws(
      () => formatNarInfo({ ...n, narHash: parseNixHash("sha1:f4l2674zz2ajy12zgplh8m6f13kbvxrf") }),
      NarInfoError,
    );
  });
});

describe("fingerprint (spec §4.2)", () => {
  const sp = (s: string) => parseAbsoluteStorePath(s);
  const curlRefs = [
    "0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0",
    "6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115",
    "j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12",
    "yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n",
  ].map((b) => parseStorePathBaseName(b));
  const curlFp =
    "1;/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin;sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0;196040;/nix/store/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0,/nix/store/6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115,/nix/store/j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12,/nix/store/yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n";
  const curlPath = sp("/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin");
  const curlHash = parseNixHash("sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0");
  it("matches the curl vector", () => {
    assert.equal(fingerprint(curlPath, curlHash, 196040, curlRefs), curlFp);
  });
  it("sorts and deduplicates references like CppNix, or keeps them (Tvix)", () => {
    const shuffled = [curlRefs[3]!, curlRefs[1]!, curlRefs[0]!, curlRefs[2]!, curlRefs[1]!];
    assert.equal(fingerprint(curlPath, curlHash, 196040, shuffled), curlFp);
    assert.match(
      fingerprint(curlPath, curlHash, 196040, shuffled, { keepOrder: true }),
      /;196040;\/nix\/store\/yxvjs/,
    );
  });
  it("ends in ';' without references and honours storeDir", () => {
    const p = parseStorePathBaseName("6lb33rxrics937b4l1gb8zvfw5fbsv4y-tree");
    const h = parseNixHash("sha256:0vzg0zfrq2rw7c9bxn3lhg9fxpv509sqgay8bs9py5l3i0yskrhn");
    assert.equal(
      fingerprint(p, h, 1824, []),
      "1;/nix/store/6lb33rxrics937b4l1gb8zvfw5fbsv4y-tree;sha256:0vzg0zfrq2rw7c9bxn3lhg9fxpv509sqgay8bs9py5l3i0yskrhn;1824;",
    );
    assert.equal(
      fingerprint(p, h, 1824, [p], { storeDir: "/gnu/store" }),
      "1;/gnu/store/6lb33rxrics937b4l1gb8zvfw5fbsv4y-tree;sha256:0vzg0zfrq2rw7c9bxn3lhg9fxpv509sqgay8bs9py5l3i0yskrhn;1824;/gnu/store/6lb33rxrics937b4l1gb8zvfw5fbsv4y-tree",
    );
  });
  it("refuses NAR size 0 like CppNix", () => {
    assert.throws(() => fingerprint(curlPath, curlHash, 0, []), NarInfoError);
  });
});

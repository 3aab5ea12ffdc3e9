/**
 * Property tests: every parser in narinfo/, nix-conf/ and binary-cache/ answers arbitrary and
 * mutated input with a value or its own typed error, never another exception; values it
 * accepts survive a write/read round trip.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  BinaryCacheError,
  ExportedPathInfoError,
  formatExportedPathInfos,
  formatNarInfo,
  formatNixCacheInfo,
  KeyError,
  NarInfoError,
  NixConfigError,
  parseExportedPathInfos,
  parseNarFileName,
  parseNarInfo,
  parseNarInfoPath,
  parseNixCacheInfo,
  parseNixConfig,
  parseSignature,
  parseSigningKey,
  parseVerifyingKey,
  SignatureError,
} from "../src/index.ts";
import {
  CACHE_NIXOS_ORG_KEY,
  CURL_SIGNATURE,
  DUMMY_PUBLIC_KEY,
  DUMMY_SECRET_KEY,
  HELLO_NARINFO,
  REFS_NARINFO,
} from "./fixtures/narinfo-vectors.ts";

/** Runs `f`; anything thrown must be an instance of `allowed`. Returns the value or undefined. */
function onlyTyped<T>(f: () => T, allowed: new (...a: never[]) => Error): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof allowed)) throw e;
    return undefined;
  }
}

type Mutation =
  | { op: "delete"; at: number; len: number }
  | { op: "insert"; at: number; text: string }
  | { op: "replace"; at: number; text: string }
  | { op: "dupLine"; at: number }
  | { op: "swapLines"; a: number; b: number }
  | { op: "truncate"; at: number };

const interesting = fc.constantFrom(
  ":",
  ": ",
  "\n",
  "\r",
  "\r\n",
  " ",
  "=",
  "#",
  "sha256:",
  "sha256-",
  "/nix/store/",
  "-",
  "=",
  "==",
  ".drv",
  "unknown-deriver",
  "0",
  "00000000000000000000000",
  "é",
  "\u0000",
  "\uffff",
  "StorePath: ",
  "References: ",
  "Sig: ",
  "CA: ",
  "fixed:r:",
  "text:",
  "include ",
  "extra-",
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(interesting, fc.string({ maxLength: 4 })),
  }),
  fc.record({
    op: fc.constant("replace" as const),
    at: fc.nat(),
    text: fc.oneof(interesting, fc.string({ maxLength: 2 })),
  }),
  fc.record({ op: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("swapLines" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(s: string, ms: Mutation[]): string {
  for (const m of ms) {
    const n = s.length + 1;
    switch (m.op) {
      case "delete":
        s = s.slice(0, m.at % n) + s.slice((m.at % n) + m.len);
        break;
      case "insert":
        s = s.slice(0, m.at % n) + m.text + s.slice(m.at % n);
        break;
      case "replace":
        s = s.slice(0, m.at % n) + m.text + s.slice((m.at % n) + m.text.length);
        break;
      case "dupLine": {
        const lines = s.split("\n");
        const i = m.at % lines.length;
        lines.splice(i, 0, lines[i]!);
        s = lines.join("\n");
        break;
      }
      case "swapLines": {
        const lines = s.split("\n");
        const a = m.a % lines.length;
        const b = m.b % lines.length;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        s = lines.join("\n");
        break;
      }
      case "truncate":
        s = s.slice(0, m.at % n);
        break;
    }
  }
  return s;
}

const mutated = (seeds: string[]) =>
  fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([s, ms]) => mutate(s, ms));

const NARINFO_SEEDS = [
  HELLO_NARINFO,
  REFS_NARINFO,
  REFS_NARINFO.replace(/^(Deriver: .*)$/m, "$1\nSystem: x86_64-linux\nX-Unknown: 1"),
];

/** Lines built from narinfo field names and plausible values. */
const narInfoLines = fc
  .array(
    fc.tuple(
      fc.constantFrom(
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
        "Other",
        "",
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(
          "/nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt",
          "sha256:0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3",
          "128",
          "xz",
          "none",
          "vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo",
          CURL_SIGNATURE,
          "text:sha256:1fcgpy7vc4ammr7s17j2xq88scswkgz23dqzc04g8sx5vcp2pppw",
        ),
      ),
    ),
    { maxLength: 14 },
  )
  .map((ls) => ls.map(([k, v]) => `${k}: ${v}\n`).join(""));

function checkNarInfo(text: string): void {
  const n = onlyTyped(() => parseNarInfo(text), NarInfoError);
  if (n === undefined) return;
  const out = formatNarInfo(n);
  assert.deepStrictEqual(parseNarInfo(out), n);
  assert.equal(formatNarInfo(parseNarInfo(out)), out);
}

describe("narinfo parser properties", () => {
  it("random strings: a NarInfo or a NarInfoError", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), checkNarInfo), { numRuns: 500 });
  });
  it("random field lines: a NarInfo or a NarInfoError; accepted ones round-trip", () => {
    fc.assert(fc.property(narInfoLines, checkNarInfo), { numRuns: 500 });
  });
  it("mutated valid narinfos: a NarInfo or a NarInfoError; accepted ones round-trip", () => {
    fc.assert(fc.property(mutated(NARINFO_SEEDS), checkNarInfo), { numRuns: 1500 });
  });
  it("random bytes: a NarInfo or a NarInfoError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        onlyTyped(() => parseNarInfo(b), NarInfoError);
      }),
      { numRuns: 200 },
    );
  });
  it("stays linear on large input", () => {
    const refs = Array.from({ length: 20000 }, () => "vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo").join(
      " ",
    );
    const big = HELLO_NARINFO.replace("References: ", `References: ${refs}`);
    const t = performance.now();
    assert.equal(parseNarInfo(big).references.length, 20000);
    assert.throws(() => parseNarInfo(`URL: ${"x".repeat(1 << 20)}`), NarInfoError);
    assert.throws(() => parseNarInfo("\n".repeat(1 << 20)), NarInfoError);
    assert.throws(() => parseNarInfo(`${":".repeat(1 << 20)}\n`), NarInfoError);
    assert.ok(performance.now() - t < 2000);
  });
});

describe("signature and key parser properties", () => {
  const sigSeeds = [CURL_SIGNATURE, HELLO_NARINFO.match(/^Sig: (.*)$/m)![1]!];
  const keySeeds = [CACHE_NIXOS_ORG_KEY, DUMMY_PUBLIC_KEY];
  const b64 = fc.string({
    unit: fc.constantFrom(
      ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ :".split(""),
    ),
    maxLength: 100,
  });
  const inputs = (seeds: string[]) => fc.oneof(fc.string({ maxLength: 120 }), b64, mutated(seeds));
  it("signatures: a Signature (that prints back the same) or a SignatureError", () => {
    fc.assert(
      fc.property(inputs(sigSeeds), (s) => {
        const sig = onlyTyped(() => parseSignature(s), SignatureError);
        if (sig !== undefined) assert.equal(sig.toString(), s);
      }),
      { numRuns: 1000 },
    );
  });
  it("public keys: a VerifyingKey (that prints back the same) or a KeyError", () => {
    fc.assert(
      fc.property(inputs(keySeeds), (s) => {
        const k = onlyTyped(() => parseVerifyingKey(s), KeyError);
        if (k !== undefined) assert.equal(k.toString(), s);
      }),
      { numRuns: 1000 },
    );
  });
  it("secret keys: a SigningKey or a KeyError", () => {
    fc.assert(
      fc.property(inputs([DUMMY_SECRET_KEY]), (s) => {
        const k = onlyTyped(() => parseSigningKey(s), KeyError);
        if (k !== undefined) assert.equal(k.toString(), s.trim());
      }),
      { numRuns: 300 },
    );
  });
});

const NIX_CONF = `allowed-users = *
auto-optimise-store = false
cores = 0
max-jobs = 8
sandbox = relaxed # comment
substituters = https://cache.nixos.org/
trusted-public-keys = ${CACHE_NIXOS_ORG_KEY} ${DUMMY_PUBLIC_KEY}
extra-trusted-users = a b
include other.conf
experimental-features = nix-command
unknown-thing = 1
`;

describe("nix.conf and binary cache parser properties", () => {
  it("nix.conf: a NixConfig or a NixConfigError", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), mutated([NIX_CONF])),
        fc.boolean(),
        (s, strict) => {
          onlyTyped(() => parseNixConfig(s, { strict }), NixConfigError);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it("nix-cache-info: a value or a BinaryCacheError; accepted values round-trip", () => {
    const seed = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n";
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), mutated([seed])), (s) => {
        const info = onlyTyped(() => parseNixCacheInfo(s), BinaryCacheError);
        if (info === undefined) return;
        const again = onlyTyped(
          () => parseNixCacheInfo(formatNixCacheInfo(info)),
          BinaryCacheError,
        );
        if (again !== undefined) assert.deepEqual(again.priority, info.priority);
      }),
      { numRuns: 500 },
    );
  });
  it("cache file names: never throw", () => {
    const seeds = [
      "00bgd045z0d4icpbc2yyz4gx48ak44la.narinfo",
      "nar/14cx20k6z4hq508kqi2lm79qfld5f9mf7kiafpqsjs3zlmycza0k.nar.xz",
    ];
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), mutated(seeds)), (s) => {
        parseNarInfoPath(s);
        parseNarFileName(s);
      }),
      { numRuns: 1000 },
    );
  });
  it("ExportedPathInfo: a value or an ExportedPathInfoError; accepted values round-trip", () => {
    const item = fc.record(
      {
        closureSize: fc.oneof(fc.nat(), fc.double(), fc.string({ maxLength: 3 })),
        narHash: fc.oneof(
          fc.constant("sha256:11vm2x1ajhzsrzw7lsyss51mmr3b6yll9wdjn51bh7liwkpc8ila"),
          fc.string({ maxLength: 60 }),
        ),
        narSize: fc.oneof(fc.nat(), fc.integer()),
        path: fc.oneof(
          fc.constant("/nix/store/7n0mbqydcipkpbxm24fab066lxk68aqk-libunistring-1.1"),
          fc.string({ maxLength: 60 }),
        ),
        references: fc.oneof(
          fc.array(fc.constant("/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"), {
            maxLength: 3,
          }),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(item, { maxLength: 3 }), fc.anything(), fc.json()), (v) => {
        const infos = onlyTyped(() => parseExportedPathInfos(v), ExportedPathInfoError);
        if (infos === undefined) return;
        const out = formatExportedPathInfos(infos);
        assert.equal(formatExportedPathInfos(parseExportedPathInfos(out)), out);
      }),
      { numRuns: 500 },
    );
  });
});

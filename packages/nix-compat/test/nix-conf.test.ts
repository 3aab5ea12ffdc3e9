import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { conformanceDir, conformanceMissing } from "../../../test-support/index.ts";
import { type NixConfig, NixConfigError, parseNixConfig } from "../src/index.ts";

const testdata = conformanceDir("nix-compat/testdata");

/** Keys as strings, so deepEqual compares what matters. */
function plain(c: NixConfig): Record<string, unknown> {
  return { ...c, trustedPublicKeys: c.trustedPublicKeys?.map((k) => k.toString()) };
}

describe("nix.conf test data (spec §7.1, §9.1)", {
  skip: testdata ? false : conformanceMissing("nix-compat/testdata"),
}, () => {
  const read = (f: string) => readFileSync(join(testdata!, f), "utf8");
  it("parses nix.conf to Tvix's expected settings", () => {
    const c = parseNixConfig(read("nix.conf"), { strict: true });
    assert.deepEqual(plain(c), {
      allowedUsers: ["*"],
      autoOptimiseStore: false,
      cores: 0,
      maxJobs: 8,
      requireSigs: true,
      sandbox: true,
      sandboxFallback: false,
      substituters: ["https://nix-community.cachix.org", "https://cache.nixos.org/"],
      systemFeatures: ["nixos-test", "benchmark", "big-parallel", "kvm"],
      trustedPublicKeys: [
        "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=",
        "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=",
      ],
      trustedSubstituters: [],
      trustedUsers: ["flokli"],
      extraPlatforms: ["aarch64-linux", "i686-linux"],
      extraSandboxPaths: [
        "/run/binfmt",
        "/nix/store/swwyxyqpazzvbwx8bv40z7ih144q841f-qemu-aarch64-binfmt-P-x86_64-unknown-linux-musl",
      ],
      experimentalFeatures: ["nix-command"],
      buildersUseSubstitutes: true,
      unknownSettings: new Map(),
      includes: [],
    });
  });
  it("other_nix.conf (no spaces around =, CR, trailing comments) gives the same result", () => {
    assert.deepEqual(
      plain(parseNixConfig(read("other_nix.conf"), { strict: true })),
      plain(parseNixConfig(read("nix.conf"), { strict: true })),
    );
  });
});

describe("nix.conf values (CppNix rules)", () => {
  it("accepts CppNix's boolean spellings", () => {
    for (const [v, b] of [
      ["true", true],
      ["yes", true],
      ["1", true],
      ["false", false],
      ["no", false],
      ["0", false],
    ] as const) {
      assert.equal(parseNixConfig(`require-sigs = ${v}`).requireSigs, b, v);
    }
  });
  it("accepts max-jobs = auto and sandbox = relaxed", () => {
    const c = parseNixConfig("max-jobs = auto\nsandbox = relaxed\n");
    assert.equal(c.maxJobs, "auto");
    assert.equal(c.sandbox, "relaxed");
  });
  it("cuts comments anywhere, even inside values", () => {
    const c = parseNixConfig(
      "# c\n  substituters = a b#c d\n\t# only a comment\ntrusted-users = #x\n",
    );
    assert.deepEqual(c.substituters, ["a", "b"]);
    assert.deepEqual(c.trustedUsers, []);
  });
  it("later lines win; extra- appends", () => {
    const c = parseNixConfig(
      "substituters = a\nsubstituters = b c\nextra-substituters = d\nextra-trusted-users = x\nextra-trusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\n",
    );
    assert.deepEqual(c.substituters, ["b", "c", "d"]);
    assert.deepEqual(c.trustedUsers, ["x"]);
    assert.equal(c.trustedPublicKeys?.[0]?.name, "cache.nixos.org-1");
  });
  it("maps old aliases to current names", () => {
    const c = parseNixConfig(
      "binary-caches = https://x\nbuild-cores = 4\nbuild-use-sandbox = false\n",
    );
    assert.deepEqual(c.substituters, ["https://x"]);
    assert.equal(c.cores, 4);
    assert.equal(c.sandbox, false);
  });
  it("collects unknown settings instead of failing (CppNix warns), unless strict", () => {
    const text = "keep-outputs = true\nkeep-outputs = false   # x\nnix-path = a=b  c\ncores = 2\n";
    const c = parseNixConfig(text);
    assert.equal(c.cores, 2);
    assert.deepEqual(
      [...c.unknownSettings],
      [
        ["keep-outputs", "false"],
        ["nix-path", "a=b c"],
      ],
    );
    assert.throws(
      () => parseNixConfig(text, { strict: true }),
      /line 1: unknown setting 'keep-outputs'/,
    );
    // extra- of a non-list setting is unknown too.
    assert.deepEqual(
      [...parseNixConfig("extra-cores = 1").unknownSettings],
      [["extra-cores", "1"]],
    );
  });
  it("returns include lines unresolved", () => {
    const c = parseNixConfig("include /etc/nix/a.conf\n!include  b.conf # opt\n");
    assert.deepEqual(c.includes, [
      { path: "/etc/nix/a.conf", optional: false, line: 1 },
      { path: "b.conf", optional: true, line: 2 },
    ]);
  });
  const bad: [string, RegExp][] = [
    ["cores = -1", /line 1: setting 'cores' has invalid value "-1"/],
    ["cores = 1 2", /invalid value "1 2"/],
    ["max-jobs = many", /setting 'max-jobs'/],
    ["require-sigs = maybe", /setting 'require-sigs'/],
    ["require-sigs =", /setting 'require-sigs' has invalid value ""/],
    ["sandbox = yes", /setting 'sandbox'/],
    ["\n\njust-a-word", /line 3: expected 'name = value'/],
    ["two words = x", /expected 'name = value'/],
    ["= x", /expected 'name = value'/],
    ["include", /expected 'include PATH'/],
    ["include a b", /expected 'include PATH'/],
    [
      "trusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShj=",
      /setting 'trusted-public-keys'/,
    ],
    ["trusted-public-keys = nokey", /setting 'trusted-public-keys'/],
  ];
  for (const [text, msg] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseNixConfig(text),
        (e: unknown) => {
          assert.ok(e instanceof NixConfigError, String(e));
          assert.match((e as Error).message, msg);
          return true;
        },
      );
    });
  }
});

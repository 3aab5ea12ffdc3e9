/**
 * splitVersion / compareVersions / parseDrvName: cases from the spec and the conformance
 * files, the C-`int` overflow quirk, and a differential test against Nix 2.8 with random
 * version strings (one nix-instantiate call). TVIX_VERSIONS_SEED=<n> picks another seed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oracleSkip } from "../../../test-support/index.ts";
import { compareVersions, parseDrvName, splitVersion } from "../src/builtins/engines/versions.ts";
import { type NixValue, nixEval, nixStr, parseNix, rng, show } from "./helpers/engines-oracle.ts";

describe("versions", () => {
  it("splitVersion", () => {
    assert.deepEqual(splitVersion("1.2.3pre4-alpha"), ["1", "2", "3", "pre", "4", "alpha"]);
    assert.deepEqual(splitVersion("1.2.3pre4-alpha..-x"), [
      "1",
      "2",
      "3",
      "pre",
      "4",
      "alpha",
      "x",
    ]);
    assert.deepEqual(splitVersion(""), []);
    assert.deepEqual(splitVersion("..--"), []);
    assert.deepEqual(splitVersion("a+b1\u00e9"), ["a+b", "1", "\u00e9"]);
  });

  it("compareVersions", () => {
    const lt: [string, string][] = [
      ["1.0", "1.0.0"],
      ["1.0pre1", "1.0"],
      ["2.3pre", "2.3"],
      ["2.3", "2.3.0pre"],
      ["2.3a", "2.3.1"],
      ["2.3.1", "2.3.2"],
      ["pre", ""],
      ["1.0", "1.0a"],
      ["a", "b"],
      ["2.3pre1", "2.3pre2"],
      ["2.3", "2.4"],
      ["2.3pre1", "2.3c1"],
      // Components above INT_MAX are not numbers, so they sort below any number (oracle).
      ["99999999999", "1"],
      ["2147483648", "2147483647"],
    ];
    for (const [a, b] of lt) {
      assert.equal(compareVersions(a, b), -1, `${a} < ${b}`);
      assert.equal(compareVersions(b, a), 1, `${b} > ${a}`);
    }
    assert.equal(compareVersions("01", "1"), 0);
    assert.equal(compareVersions("1.0", "1-0"), 0);
    assert.equal(compareVersions("1.", "1"), 0);
    assert.equal(compareVersions("", ""), 0);
  });

  it("parseDrvName", () => {
    assert.deepEqual(parseDrvName("nix-0.12pre1"), { name: "nix", version: "0.12pre1" });
    assert.deepEqual(parseDrvName("foo-bar-1.2"), { name: "foo-bar", version: "1.2" });
    assert.deepEqual(parseDrvName("a-"), { name: "a-", version: "" });
    assert.deepEqual(parseDrvName("-1"), { name: "", version: "1" });
    assert.deepEqual(parseDrvName("foo-\u00c3\u00a9"), { name: "foo", version: "\u00c3\u00a9" });
    assert.deepEqual(parseDrvName("foo--bar"), { name: "foo", version: "-bar" });
    assert.deepEqual(parseDrvName("hello"), { name: "hello", version: "" });
  });
});

const SEED = Number(process.env.TVIX_VERSIONS_SEED ?? 20250603);

function randomVersion(r: () => number): string {
  const parts = [
    "1",
    "2",
    "10",
    "0",
    "01",
    "pre",
    "rc",
    "a",
    "b",
    "alpha",
    "-",
    ".",
    ".",
    "-",
    "x",
    "2147483647",
    "2147483648",
    "99999999999",
    "\u00c3\u00a9",
    "+",
    "_",
  ];
  let s = "";
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) s += parts[Math.floor(r() * parts.length)];
  return s;
}

describe(`versions vs nix-instantiate (seed ${SEED})`, oracleSkip(), () => {
  it("1000 compareVersions, 300 splitVersion and 300 parseDrvName agree (one nix call)", () => {
    const r = rng(SEED);
    const pairs = Array.from({ length: 1000 }, () => [randomVersion(r), randomVersion(r)] as const);
    const singles = Array.from({ length: 300 }, () => randomVersion(r));
    const names = Array.from({ length: 300 }, () => `${randomVersion(r)}-${randomVersion(r)}`);
    const expr = `[ ${pairs.map(([a, b]) => `(builtins.compareVersions ${nixStr(a)} ${nixStr(b)})`).join(" ")}
      ${singles.map((v) => `(builtins.splitVersion ${nixStr(v)})`).join(" ")}
      ${names.map((v) => `(builtins.parseDrvName ${nixStr(v)})`).join(" ")} ]`;
    const res = nixEval(expr);
    assert.ok(res.ok, res.err.slice(0, 300));
    const got = parseNix(res.out) as NixValue[];
    const ours: NixValue[] = [
      ...pairs.map(([a, b]) => ({ int: BigInt(compareVersions(a, b)) })),
      ...singles.map((v) => splitVersion(v)),
      ...names.map((v) => {
        const d = parseDrvName(v);
        return {
          attrs: new Map<string, NixValue>([
            ["name", d.name],
            ["version", d.version],
          ]),
        };
      }),
    ];
    assert.equal(got.length, ours.length);
    const inputs = [...pairs.map((p) => p.join(" vs ")), ...singles, ...names];
    const failures = ours
      .map((v, i) =>
        show(v) === show(got[i])
          ? ""
          : `${JSON.stringify(inputs[i])}: nix ${show(got[i])}, ours ${show(v)}`,
      )
      .filter((x) => x !== "");
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} mismatches`);
  });
});

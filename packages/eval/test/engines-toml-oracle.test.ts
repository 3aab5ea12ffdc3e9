/**
 * Differential test of the TOML parser against the oracle (Nix 2.8's builtins.fromTOML):
 * 300 random valid documents (every string flavour, all integer bases, float notations,
 * headers, dotted keys, inline tables, arrays of tables, comments, CRLF) evaluated with ONE
 * `nix-instantiate --eval --strict` call and compared structurally (floats as Nix prints them,
 * with `%g`). fromTOML errors cannot be caught by `tryEval`, so a sample of invalid documents
 * is checked one nix call each. TVIX_TOML_SEED=<n> picks another seed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oracleSkip } from "../../../test-support/index.ts";
import { parseToml, TomlError } from "../src/builtins/engines/toml.ts";
import { type NixValue, nixEval, nixStr, parseNix, rng, show } from "./helpers/engines-oracle.ts";
import { randomTomlDocument } from "./helpers/engines-toml-gen.ts";
import { tomlToNix } from "./helpers/engines-toml-nix.ts";

const SEED = Number(process.env.TVIX_TOML_SEED ?? 20250602);
const DOCS = 300;

/** Invalid documents (both for TOML 1.0 and for Nix 2.8), one per kind of mistake. */
const INVALID_SAMPLE = [
  "a = 1\na = 2",
  "a = {b = 1,}",
  "a = 01",
  "a = 1__0",
  "a = +0x1",
  'a = "\\e"',
  'a = "\xff"',
  "# \x01\na=1",
  "a = 1\rb=2",
  "[a]\nb=1\n[a]\nc=2",
  "a = {b = {c = 1}}\n[a.b.d]",
  "a=[{}]\n[[a]]",
  "[a.b]\nc=1\n[a]\nb.d = 2",
  'a = "\\ud800"',
  "a = 2000-02-30",
  "a = {a=1\n}",
];

describe(`toml vs nix-instantiate (seed ${SEED})`, oracleSkip(), () => {
  it(`${DOCS} random documents parse to the same values (one nix call)`, () => {
    const r = rng(SEED);
    const docs: string[] = [];
    const ours: NixValue[] = [];
    while (docs.length < DOCS) {
      const d = randomTomlDocument(r);
      ours.push(tomlToNix(parseToml(d)));
      docs.push(d);
    }
    const res = nixEval(`[\n${docs.map((d) => `(builtins.fromTOML ${nixStr(d)})`).join("\n")}\n]`);
    assert.ok(res.ok, `nix failed: ${res.err.slice(0, 500)}`);
    const got = parseNix(res.out) as NixValue[];
    assert.equal(got.length, docs.length);
    const failures: string[] = [];
    docs.forEach((d, i) => {
      if (show(got[i]) !== show(ours[i])) {
        failures.push(`${JSON.stringify(d)}\n nix:  ${show(got[i])}\n ours: ${show(ours[i])}`);
      }
    });
    assert.deepEqual(failures.slice(0, 3), [], `${failures.length} mismatches`);
  });

  it(`${INVALID_SAMPLE.length} invalid documents are rejected by both`, () => {
    for (const d of INVALID_SAMPLE) {
      assert.throws(() => parseToml(d), TomlError, JSON.stringify(d));
      const res = nixEval(`builtins.fromTOML ${nixStr(d)}`);
      assert.equal(res.ok, false, `Nix accepts ${JSON.stringify(d)}`);
      assert.ok(res.err.includes("while parsing a TOML string"), res.err.split("\n")[0]);
    }
  });
});

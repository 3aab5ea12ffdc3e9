/**
 * Differential test of the regex engine against the oracle (Nix 2.8): 1200 random patterns
 * (from a grammar over a tiny alphabet, with mutations) and subjects, evaluated with ONE
 * `nix-instantiate --eval --strict` call as a list of `builtins.match` and `builtins.split`
 * results, compared with ours. Invalid regexes abort CppNix's evaluation (`tryEval` cannot
 * catch them), so the batch only holds patterns we accept, and a sample of the patterns we
 * reject is checked one nix call each.
 *
 * Nix runs libstdc++'s exponential backtracker, so cases that our naive copy of it finds
 * expensive are left out to keep the test fast. TVIX_REGEX_SEED=<n> picks another seed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oracleSkip } from "../../../test-support/index.ts";
import { compile, matchWhole, RegexError, splitString } from "../src/builtins/engines/regex.ts";
import { type NixValue, nixEval, nixStr, parseNix, rng, show } from "./helpers/engines-oracle.ts";
import { randomPattern, randomSubject } from "./helpers/engines-regex-gen.ts";
import { naiveMatch, naiveSearchAll } from "./helpers/engines-regex-naive.ts";

const SEED = Number(process.env.TVIX_REGEX_SEED ?? 20250601);
const CASES = 1200;
const INVALID_SAMPLE = 12;

interface Case {
  p: string;
  s: string;
  match: NixValue;
  split: NixValue;
}

function generate(): { cases: Case[]; invalid: { p: string; kind: string }[] } {
  const r = rng(SEED);
  const cases: Case[] = [];
  const invalid: { p: string; kind: string }[] = [];
  while (cases.length < CASES) {
    const p = randomPattern(r);
    const s = randomSubject(r);
    let re: ReturnType<typeof compile>;
    try {
      re = compile(p);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      invalid.push({ p, kind: e.kind });
      continue;
    }
    if (naiveMatch(re.program, s, 20000) === "too-costly") continue;
    if (naiveSearchAll(re.program, s, 20000) === "too-costly") continue;
    cases.push({
      p,
      s,
      match: matchWhole(re, s) as NixValue,
      split: splitString(re, s) as NixValue,
    });
  }
  return { cases, invalid };
}

describe(`regex vs nix-instantiate (seed ${SEED})`, oracleSkip(), () => {
  const { cases, invalid } = generate();

  it(`${CASES} random match/split cases agree (one nix call)`, () => {
    const expr = `[\n${cases
      .map(
        (c) =>
          `(builtins.match ${nixStr(c.p)} ${nixStr(c.s)}) (builtins.split ${nixStr(c.p)} ${nixStr(c.s)})`,
      )
      .join("\n")}\n]`;
    const res = nixEval(expr);
    assert.ok(
      res.ok,
      `nix failed (a pattern we accept is invalid for Nix?): ${res.err.slice(0, 500)}`,
    );
    const got = parseNix(res.out) as NixValue[];
    assert.equal(got.length, 2 * cases.length);
    const failures: string[] = [];
    cases.forEach((c, i) => {
      for (const [what, ours, theirs] of [
        ["match", c.match, got[2 * i]],
        ["split", c.split, got[2 * i + 1]],
      ] as const) {
        if (show(ours) !== show(theirs)) {
          failures.push(
            `${what} ${JSON.stringify(c.p)} ${JSON.stringify(c.s)}: nix ${show(theirs)}, ours ${show(ours)}`,
          );
        }
      }
    });
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} mismatches`);
  });

  it(`a sample of ${INVALID_SAMPLE} rejected patterns is rejected by Nix the same way`, () => {
    assert.ok(invalid.length >= INVALID_SAMPLE, "the generator made too few invalid patterns");
    for (const { p, kind } of invalid.slice(0, INVALID_SAMPLE)) {
      const res = nixEval(`builtins.match ${nixStr(p)} ""`);
      assert.equal(res.ok, false, `Nix accepts ${JSON.stringify(p)}`);
      const msg = kind === "space" ? "memory limit exceeded by" : "invalid regular expression";
      assert.ok(res.err.includes(msg), `${JSON.stringify(p)}: ${res.err.split("\n")[0]}`);
    }
  });
});

/**
 * Parser differential test against `nix-instantiate --parse` (Nix 2.8): thousands of generated
 * expressions (every syntactic form, random whitespace, comments, parentheses, line endings),
 * plus mutated copies of them (a byte deleted, duplicated or inserted), must get the same verdict
 * and, when accepted, the same printed form. Expressions are checked in a few batched oracle runs.
 *
 * The seed is random per run and printed; rerun a failure with TVIX_PARSE_SEED=<seed>.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oracleSkip, repoRoot } from "../../../test-support/index.ts";
import { parse, Source } from "../src/index.ts";
import { NixGen, Rng } from "./support/parse-gen.ts";
import { type CaseResult, compareWithOracle, nixParseAsync } from "./support/parse-oracle.ts";

const seed = Number(process.env.TVIX_PARSE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GENERATED = 2500;
const MUTATED = 600;
const BATCH = 400;
/** How many expressions we reject are checked one by one (each is its own oracle run). */
const REJECT_SAMPLE = 60;
const base = repoRoot;
const home = process.env.HOME ?? "/homeless-shelter";

function accepts(bytes: Uint8Array): boolean {
  return parse(new Source(bytes, "«stdin»"), { basePath: base, home }).errors.length === 0;
}

function mutate(r: Rng, s: Uint8Array): Uint8Array {
  const b = Array.from(s);
  const i = r.int(b.length + 1);
  switch (r.int(3)) {
    case 0:
      b.splice(i, 1);
      break;
    case 1:
      if (i < b.length) b.splice(i, 0, b[i]);
      break;
    default:
      b.splice(i, 0, r.pick([..."(){}[];:.,@?=!-+*/<>\"$'#~ \na1"].map((c) => c.charCodeAt(0))));
  }
  return Uint8Array.from(b);
}

async function compareAll(texts: Uint8Array[]): Promise<CaseResult[]> {
  const runs: Promise<CaseResult[]>[] = [];
  for (let i = 0; i < texts.length; i += BATCH)
    runs.push(compareWithOracle(texts.slice(i, i + BATCH), base, home, i));
  return (await Promise.all(runs)).flat();
}

function describeFailures(texts: Uint8Array[], results: CaseResult[]): string[] {
  return results
    .filter((r) => r.status === "different" || r.status === "oracle-rejects")
    .map(
      (r) =>
        `${r.status}: ${JSON.stringify(Buffer.from(texts[r.index]).toString("latin1"))}\n` +
        (r.status === "different"
          ? `  ours:   ${r.ours}\n  theirs: ${r.theirs}`
          : `  Nix 2.8: ${r.stderr?.split("\n")[0]}`),
    );
}

describe(`parse differential vs nix-instantiate --parse (seed ${seed})`, oracleSkip(), () => {
  const rng = new Rng(seed);
  const gen = new NixGen(rng);
  const accepted: Uint8Array[] = [];
  const rejected: Uint8Array[] = [];
  for (let i = 0; i < GENERATED; i++) {
    const bytes = Buffer.from(gen.expression());
    (accepts(bytes) ? accepted : rejected).push(bytes);
  }
  const mutatedOk: Uint8Array[] = [];
  const mutatedBad: Uint8Array[] = [];
  for (let i = 0; i < MUTATED; i++) {
    const m = mutate(rng, accepted[rng.int(accepted.length)]);
    (accepts(m) ? mutatedOk : mutatedBad).push(m);
  }

  it("generated expressions we accept print as Nix 2.8 prints them", async () => {
    const texts = accepted.concat(mutatedOk);
    assert.ok(texts.length >= 2000, `only ${texts.length} cases`);
    const results = await compareAll(texts);
    const same = results.filter((r) => r.status === "identical" || r.status === "modulo-order");
    process.stderr.write(
      `# parse differential (seed ${seed}): ${same.length}/${texts.length} accepted expressions ` +
        `print identically (${accepted.length} generated + ${mutatedOk.length} mutated)\n`,
    );
    assert.deepEqual(describeFailures(texts, results), []);
  });

  it("expressions we reject, Nix 2.8 rejects too", async () => {
    const sample = rejected
      .slice(0, REJECT_SAMPLE / 2)
      .concat(mutatedBad.slice(0, REJECT_SAMPLE / 2));
    const verdicts = await Promise.all(sample.map((t) => nixParseAsync(t, base)));
    const wrong = sample
      .filter((_, i) => verdicts[i].ok)
      .map((t) => `Nix 2.8 accepts: ${JSON.stringify(Buffer.from(t).toString("latin1"))}`);
    process.stderr.write(
      `# parse differential (seed ${seed}): ${sample.length - wrong.length}/${sample.length} ` +
        `rejected expressions are rejected by Nix 2.8 too\n`,
    );
    assert.deepEqual(wrong, []);
  });
});

/**
 * Differential test against Nix 2.8 (`nix-instantiate --eval --strict`): 1000 random well-typed
 * programs per run (support/eval-gen.ts), each wrapped in its own `tryEval`, evaluated in batches
 * (one Nix process per batch). A batch whose output differs is split down to the programs
 * responsible, which are reported with both outputs. Set DIFF_SEED to reproduce a run,
 * DIFF_COUNT to change the number of programs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { oracleSkip } from "../../../test-support/index.ts";
import { instantiateEval, MemoryIO, NixError, renderEvalError } from "../src/index.ts";
import { ProgramGen, wrap } from "./support/eval-gen.ts";

const COUNT = Number(process.env.DIFF_COUNT ?? 1000);
const BATCH = 125;
const SEED = Number(process.env.DIFF_SEED ?? Date.now() % 1_000_000);

function listExpr(programs: string[]): string {
  return `[\n${programs.map(wrap).join("\n")}\n]`;
}

function nixEval(expr: string): { ok: boolean; out: string } {
  const r = spawnSync("nix-instantiate", ["--eval", "--strict", "-"], {
    input: Buffer.from(expr, "utf8"),
    encoding: "latin1",
    maxBuffer: 1 << 28,
  });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : r.stderr };
}

function tvixEval(expr: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: instantiateEval({ io: new MemoryIO(), expr, cwd: "/", strict: true }) };
  } catch (e) {
    if (e instanceof NixError) return { ok: false, out: renderEvalError(e) };
    throw e;
  }
}

function same(a: { ok: boolean; out: string }, b: { ok: boolean; out: string }): boolean {
  return a.ok === b.ok && (!a.ok || a.out === b.out);
}

describe("differential vs nix-instantiate --eval --strict", oracleSkip(), () => {
  it(`agrees on ${COUNT} random programs (seed ${SEED})`, { timeout: 110_000 }, () => {
    const gen = new ProgramGen(SEED);
    const programs = Array.from({ length: COUNT }, () => gen.program());
    const mismatches: string[] = [];
    let compared = 0;
    let errors = 0;
    const check = (ps: string[]): void => {
      const expr = listExpr(ps);
      const want = nixEval(expr);
      const got = tvixEval(expr);
      if (ps.length === 1) {
        compared++;
        if (!want.ok) errors++;
        if (same(want, got)) return;
        mismatches.push(
          `program: ${ps[0]}\n  nix (${want.ok ? "ok" : "error"}): ${want.out.trim()}\n  tvix (${got.ok ? "ok" : "error"}): ${got.out.trim()}`,
        );
        return;
      }
      if (want.ok && same(want, got)) {
        compared += ps.length;
        return;
      }
      const mid = ps.length >> 1;
      check(ps.slice(0, mid));
      check(ps.slice(mid));
    };
    for (let i = 0; i < programs.length; i += BATCH) check(programs.slice(i, i + BATCH));
    console.log(
      `differential: ${compared} programs compared (${errors} fail in both), ${mismatches.length} mismatches (seed ${SEED})`,
    );
    assert.equal(compared, COUNT);
    assert.ok(errors < COUNT / 10, `too many programs fail to evaluate (${errors}): generator bug`);
    assert.deepEqual(mismatches.slice(0, 10), []);
  });
});

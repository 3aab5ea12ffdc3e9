/**
 * Conformance: every eval-okay/eval-fail case of ../shared/conformance/eval (see
 * support/conformance.ts), in a worker thread with a large stack. Cases listed in
 * conformance-skip.txt (with the reason) may fail; every other case must pass.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { conformanceDir, conformanceMissing } from "../../../test-support/index.ts";
import { type CaseResult, materializeFixtures } from "./support/conformance.ts";

const root = conformanceDir("eval");

function loadSkips(): Map<string, string> {
  const text = readFileSync(new URL("./conformance-skip.txt", import.meta.url), "utf8");
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function runInWorker(dir: string): Promise<CaseResult[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./support/conformance.ts", import.meta.url), {
      workerData: { conformanceRoot: dir },
      resourceLimits: { stackSizeMb: 256 },
    });
    w.once("message", (r: CaseResult[]) => {
      resolve(r);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

describe("eval conformance", { skip: root ? false : conformanceMissing("eval") }, () => {
  it("passes every case not in conformance-skip.txt", { timeout: 120_000 }, async () => {
    // Run on a copy with the upstream symlinks restored (see materializeFixtures).
    const work = materializeFixtures(root as string);
    let results: CaseResult[];
    try {
      results = await runInWorker(work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const skips = loadSkips();
    const failures: string[] = [];
    let skipped = 0;
    let unexpectedPass = 0;
    for (const r of results) {
      if (skips.has(r.name)) {
        skipped++;
        if (r.passed) {
          unexpectedPass++;
          console.log(`note: skipped case now passes: ${r.name}`);
        }
        continue;
      }
      if (!r.passed) failures.push(`${r.name}\n${r.detail}`);
    }
    const okay = results.filter((r) => r.kind === "okay");
    const fail = results.filter((r) => r.kind === "fail");
    const okayPassed = okay.filter((r) => r.passed).length;
    const failPassed = fail.filter((r) => r.passed).length;
    console.log(
      `eval conformance: ${results.filter((r) => r.passed).length} passed, ` +
        `${failures.length} failed, ${skipped} skipped (${unexpectedPass} of them pass); ` +
        `eval-okay ${okayPassed}/${okay.length} (${((100 * okayPassed) / okay.length).toFixed(1)}%), ` +
        `eval-fail ${failPassed}/${fail.length}`,
    );
    assert.deepEqual(failures, [], `unexpected failures:\n${failures.join("\n\n")}`);
    assert.equal(failPassed, fail.length, "every eval-fail case must fail");
    for (const name of skips.keys())
      assert.ok(
        results.some((r) => r.name === name),
        `conformance-skip.txt lists ${name}, which does not exist`,
      );
  });
});

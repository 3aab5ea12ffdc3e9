import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ReferenceScanner } from "../src/index.ts";

const enc = new TextEncoder();
const dec = (bs: Uint8Array[]) => bs.map((b) => new TextDecoder().decode(b));

describe("ReferenceScanner", () => {
  const hashes = ["fhaj6gmwns62s6ypkcldbaj2ybvkhx3p", "06li2smqgskxxr291x1cgzf61rzm7c8f"];
  const paths = hashes.map((h) => `/nix/store/${h}-foo`);

  it("finds store paths in one buffer", () => {
    const s = new ReferenceScanner(paths);
    s.scan(enc.encode(`#!/bin/sh\nexec ${paths[1]}/bin/foo`));
    assert.deepEqual(s.matches(), [false, true]);
    assert.deepEqual(dec(s.found()), [paths[1]]);
  });

  it("finds matches spanning piece boundaries, whatever the split", () => {
    const text = enc.encode(`xx${paths[0]}yy${hashes[1]}zz`);
    for (let split = 0; split <= text.length; split++) {
      const s = new ReferenceScanner([...paths, hashes[1]!]);
      s.scan(text.subarray(0, split));
      s.scan(text.subarray(split));
      assert.deepEqual(s.matches(), [true, false, true], `split at ${split}`);
    }
  });

  it("finds short candidates in short pieces and overlapping matches", () => {
    const s = new ReferenceScanner(["aba", "bab", "longer-candidate"]);
    s.scan(enc.encode("ab"));
    s.scan(enc.encode("ab"));
    assert.deepEqual(s.matches(), [true, true, false]);
  });

  it("agrees with a naive search on random input", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 6, max: 3 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.uint8Array({ maxLength: 200, max: 3 }),
        fc.array(fc.nat(200), { maxLength: 5 }),
        (cands, data, cuts) => {
          const s = new ReferenceScanner(cands);
          const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort(
            (a, b) => a - b,
          );
          let prev = 0;
          for (const p of [...points, data.length]) {
            s.scan(data.subarray(prev, p));
            prev = p;
          }
          const naive = cands.map((c) => Buffer.from(data).indexOf(Buffer.from(c)) >= 0);
          assert.deepEqual(s.matches(), naive);
        },
      ),
      { numRuns: 300 },
    );
  });
});

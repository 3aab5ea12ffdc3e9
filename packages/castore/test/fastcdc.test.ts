import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CutParams, cut, gearEntry, lastCutHash, StreamChunker } from "../src/blob/fastcdc.ts";

/**
 * The straightforward scan (both 32-bit halves of the hash carried along every byte, as in the
 * crate), kept here as the reference for the optimised `cut`.
 */
function referenceCut(src: Uint8Array, start: number, end: number, p: CutParams) {
  const g = (i: number, shifted: boolean) => gearEntry(i, shifted);
  const M = (1n << 64n) - 1n;
  let remaining = end - start;
  if (remaining <= p.min) return { len: remaining, hash: 0n };
  let center = p.avg;
  if (remaining > p.max) remaining = p.max;
  else if (remaining < center) center = remaining;
  const mask = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  let hash = 0n;
  let index = Math.floor(p.min / 2);
  for (let phase = 0; phase < 2; phase++) {
    const limit = Math.floor((phase === 0 ? center : remaining) / 2);
    const mLs = phase === 0 ? mask(p.sLsHi, p.sLsLo) : mask(p.lLsHi, p.lLsLo);
    const m = phase === 0 ? mask(p.sHi, p.sLo) : mask(p.lHi, p.lLo);
    for (; index < limit; index++) {
      const pos = start + index * 2;
      hash = ((hash << 2n) + g(src[pos]!, true)) & M;
      if ((hash & mLs) === 0n) return { len: index * 2, hash };
      hash = (hash + g(src[pos + 1]!, false)) & M;
      if ((hash & m) === 0n) return { len: index * 2 + 1, hash };
    }
  }
  return { len: remaining, hash };
}

function prng(seed: number, n: number): Uint8Array {
  // xorshift32: reproducible pseudo-random data, so cut points are deterministic.
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

describe("FastCDC v2020", () => {
  it("gear tables match the published fastcdc-rs v2020 tables", () => {
    assert.equal(gearEntry(0), 0x3b5d3c7d207e37dcn);
    assert.equal(gearEntry(1), 0x784d68ba91123086n);
    assert.equal(gearEntry(255), 0xaabd2b2a451504e1n);
    assert.equal(gearEntry(0, true), 0x76ba78fa40fc6fb8n);
    assert.equal(gearEntry(255, true), 0x557a56548a2a09c2n);
  });

  it("all-zero input cuts at max with the crate's hash (test_cut_all_zeros)", () => {
    const src = new Uint8Array(10240);
    const p = new CutParams({ min: 64, avg: 256, max: 1024 });
    let cursor = 0;
    for (let i = 0; i < 10; i++) {
      const len = cut(src, cursor, src.length, p);
      const hash = (BigInt(lastCutHash.hi) << 32n) | BigInt(lastCutHash.lo);
      assert.equal(hash, 14169102344523991076n);
      assert.equal(len, 1024);
      cursor += len;
    }
    assert.equal(cut(src, cursor, src.length, p), 0);
  });

  it("the optimised scan agrees with the reference scan, cut points and hashes", () => {
    for (const [seed, sizes] of [
      [1, { min: 64, avg: 256, max: 1024 }],
      [2, { min: 2048, avg: 8192, max: 16384 }],
      [3, { min: 8192, avg: 16384, max: 32768 }],
    ] as const) {
      const data = prng(seed, 400_000);
      const p = new CutParams(sizes);
      let cuts = 0;
      for (let o = 0; o < data.length; cuts++) {
        const len = cut(data, o, data.length, p);
        const hash = (BigInt(lastCutHash.hi) << 32n) | BigInt(lastCutHash.lo);
        const ref = referenceCut(data, o, data.length, p);
        assert.equal(len, ref.len, `seed ${seed} at ${o}`);
        if (len > p.min) assert.equal(hash, ref.hash, `seed ${seed} hash at ${o}`);
        o += len;
      }
      assert.ok(cuts > 10);
    }
  });

  it("the WebAssembly scan (large blobs) cuts where the JavaScript scan does, default sizes", () => {
    const data = prng(9, 3_000_000);
    const sizes = { min: 131072, avg: 262144, max: 524288 };
    const p = new CutParams(sizes);
    const expected: number[] = [];
    for (let o = 0; o < data.length; ) {
      const len = cut(data, o, data.length, p);
      expected.push(len);
      o += len;
    }
    const c = new StreamChunker(sizes);
    for (let round = 0; round < 2; round++) {
      // Twice with the same chunker: it returns its WebAssembly instance and borrows one again.
      const got = [...c.push(data.subarray(0, 1_000_001)), ...c.push(data.subarray(1_000_001))];
      got.push(...c.finish());
      assert.deepEqual(
        got.map((g) => g.length),
        expected,
      );
      assert.deepEqual(Buffer.concat(got), Buffer.from(data));
    }
  });

  it("streaming gives the same chunks however the input is split", () => {
    const data = prng(42, 300_000);
    const sizes = { min: 2048, avg: 8192, max: 16384 };
    const p = new CutParams(sizes);
    const expected: number[] = [];
    for (let o = 0; o < data.length; ) {
      const len = cut(data, o, data.length, p);
      expected.push(len);
      o += len;
    }
    assert.ok(expected.length > 10);
    for (const piece of [1, 7, 4096, 100_000, data.length]) {
      const c = new StreamChunker(sizes);
      const got: Uint8Array[] = [];
      for (let o = 0; o < data.length; o += piece) got.push(...c.push(data.subarray(o, o + piece)));
      got.push(...c.finish());
      assert.deepEqual(
        got.map((g) => g.length),
        expected,
        `piece size ${piece}`,
      );
      assert.deepEqual(Buffer.concat(got), Buffer.from(data));
    }
  });

  it("chunks respect min/max and are content-defined (an insertion only changes nearby cuts)", () => {
    const sizes = { min: 2048, avg: 8192, max: 16384 };
    const data = prng(7, 200_000);
    const chunksOf = (d: Uint8Array) => {
      const c = new StreamChunker(sizes);
      return [...c.push(d), ...c.finish()].map((x) => Buffer.from(x).toString("hex"));
    };
    const a = chunksOf(data);
    for (const h of a.slice(0, -1)) {
      assert.ok(h.length / 2 >= 2048 && h.length / 2 <= 16384);
    }
    const shifted = new Uint8Array(data.length + 3);
    shifted.set(data.subarray(0, 100), 0);
    shifted.set([1, 2, 3], 100);
    shifted.set(data.subarray(100), 103);
    const b = chunksOf(shifted);
    const shared = b.filter((h) => a.includes(h)).length;
    assert.ok(shared >= a.length - 3, `only ${shared} of ${a.length} chunks survived`);
  });
});

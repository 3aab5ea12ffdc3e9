import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CutParams, cut, gearEntry, lastCutHash, StreamChunker } from "../src/blob/fastcdc.ts";

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

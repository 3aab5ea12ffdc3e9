/**
 * Fuzz tests (fast-check) for the evaluator's engines: arbitrary patterns, subjects, TOML
 * bytes and version strings never make them throw anything but their typed errors, and small
 * work budgets keep every case bounded (a budget overrun is the typed "too-complex" error).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  compile,
  type ExecLimits,
  matchWhole,
  RegexError,
  searchAll,
  splitString,
} from "../src/builtins/engines/regex.ts";
import { parseToml, TomlError } from "../src/builtins/engines/toml.ts";
import { compareVersions, parseDrvName, splitVersion } from "../src/builtins/engines/versions.ts";
import { randomPattern } from "./helpers/engines-regex-gen.ts";
import { randomTomlDocument } from "./helpers/engines-toml-gen.ts";

const LIMITS: ExecLimits = { maxSteps: 200_000, maxMemo: 200_000 };

/** A latin1 byte string from an array of bytes (NUL excluded: Nix strings cannot hold it). */
const bytes = (max: number, alphabet?: readonly number[]) =>
  (alphabet
    ? fc.array(fc.constantFrom(...alphabet), { maxLength: max })
    : fc.array(fc.integer({ min: 1, max: 255 }), { maxLength: max })
  ).map((a) => String.fromCharCode(...a));

const REGEX_BYTES = [..."ab.[]()*+?{}|^$\\-:=,0129"]
  .map((c) => c.charCodeAt(0))
  .concat([0xc3, 0xa9]);

/** Runs `f`, allowing only errors of the given class. */
function onlyTyped(f: () => unknown, cls: new (...a: never[]) => Error): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof cls)) throw e;
  }
}

/** A seeded generator as a fast-check arbitrary (reuses the differential tests' grammars). */
const fromSeed = <T>(gen: (r: () => number) => T) =>
  fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((seed) => {
    let a = seed;
    const r = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return gen(r);
  });

describe("regex fuzz", () => {
  const checkOne = (p: string, s: string) => {
    let re: ReturnType<typeof compile>;
    try {
      re = compile(p);
    } catch (e) {
      if (e instanceof RegexError) return;
      throw e;
    }
    onlyTyped(() => {
      const m = matchWhole(re, s, LIMITS);
      if (m !== null) assert.equal(m.length, re.groups);
    }, RegexError);
    onlyTyped(() => {
      const all = searchAll(re, s, LIMITS);
      // Matches are in order, do not overlap, and lie inside the subject.
      let last = 0;
      for (const x of all) {
        assert.ok(x.start >= last && x.end >= x.start && x.end <= s.length);
        last = x.end;
      }
      // The split pieces and the matched text put back together give the subject.
      const parts = splitString(re, s, LIMITS);
      let joined = "";
      parts.forEach((piece, i) => {
        if (typeof piece === "string") joined += piece;
        else joined += s.slice(all[(i - 1) / 2].start, all[(i - 1) / 2].end);
      });
      assert.equal(joined, s);
    }, RegexError);
  };

  it("arbitrary byte patterns and subjects", () => {
    fc.assert(
      fc.property(bytes(24, REGEX_BYTES), bytes(16), (p, s) => checkOne(p, s)),
      { numRuns: 1500 },
    );
  });

  it("grammar-generated patterns on longer subjects", () => {
    fc.assert(
      fc.property(
        fromSeed((r) => randomPattern(r, 4)),
        bytes(40, [0x61, 0x62, 0x63, 0x2e, 0x2d]),
        (p, s) => checkOne(p, s),
      ),
      { numRuns: 800 },
    );
  });

  it("wholly random bytes as patterns", () => {
    fc.assert(
      fc.property(bytes(40), bytes(20), (p, s) => checkOne(p, s)),
      { numRuns: 800 },
    );
  });
});

describe("toml fuzz", () => {
  const TOML_BYTES = [..."ab1 =.[]{}\"'#\n\r\t,-+_:eExo0TZ\\u"]
    .map((c) => c.charCodeAt(0))
    .concat([0xc3, 0xa9, 0xff, 0x00, 0x7f]);

  it("arbitrary bytes give a table or a TomlError", () => {
    fc.assert(
      fc.property(bytes(80, TOML_BYTES), (doc) => onlyTyped(() => parseToml(doc), TomlError)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(bytes(60), (doc) => onlyTyped(() => parseToml(doc), TomlError)),
      { numRuns: 1000 },
    );
  });

  it("mutated valid documents give a table or a TomlError", () => {
    fc.assert(
      fc.property(
        fromSeed((r) => randomTomlDocument(r)),
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 0, max: 3 }),
        bytes(3, TOML_BYTES),
        (doc, at, del, ins) => {
          const i = doc.length === 0 ? 0 : at % doc.length;
          const mutated = doc.slice(0, i) + ins + doc.slice(i + del);
          onlyTyped(() => parseToml(mutated), TomlError);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe("versions fuzz", () => {
  const v = bytes(12, [..."0123456789.-prea"].map((c) => c.charCodeAt(0)).concat([0xc3]));
  it("compareVersions is a consistent three-way comparison", () => {
    fc.assert(
      fc.property(v, v, v, (a, b, c) => {
        assert.equal(compareVersions(a, a), 0);
        assert.equal(compareVersions(a, b), -compareVersions(b, a) || 0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) {
          assert.ok(compareVersions(a, c) <= 0, `${a} <= ${b} <= ${c}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("splitVersion and parseDrvName never throw and lose nothing but separators", () => {
    fc.assert(
      fc.property(v, (s) => {
        assert.equal(splitVersion(s).join(""), s.replace(/[.-]/g, ""));
        const d = parseDrvName(s);
        assert.ok(d.version === "" ? d.name === s : `${d.name}-${d.version}` === s);
      }),
      { numRuns: 2000 },
    );
  });
});

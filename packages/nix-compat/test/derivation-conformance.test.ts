/**
 * Conformance: the derivation fixtures in ../shared/conformance/nix-compat/derivations
 * (Tvix's test suite; spec §9.1).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { conformanceDir, conformanceMissing } from "../../../test-support/index.ts";
import {
  bytesEqual,
  concatBytes,
  DerivationError,
  derivationFromJson,
  derivationPath,
  derivationToJson,
  hashDerivationModulo,
  type InputHashModulo,
  isFixedOutput,
  makeOutputPath,
  outputPath,
  parseDerivation,
  parseShowDerivationJson,
  printDerivation,
  showDerivationJson,
  toHex,
  validateDerivation,
} from "../src/index.ts";

const dir = conformanceDir("nix-compat");
const skip = dir === undefined ? conformanceMissing("nix-compat") : false;
const okDir = dir === undefined ? "" : join(dir, "derivations", "ok");
const files =
  dir === undefined
    ? []
    : readdirSync(okDir)
        .filter((f) => f.endsWith(".drv"))
        .sort();

/** Spec §9.1: hashDerivationModulo (masked, the hash of the fixture's own outputs). */
const hashModulo: Record<string, string> = {
  "0hm2f1psjpcwg8fijsmr4wwxrx59s092-bar.drv":
    "724f3e3634fce4cbbbd3483287b8798588e80280660b9a63fd13a1bc90485b33",
  "ss2p4wmxijn652haqyd7dckxwl4c7hxx-bar.drv":
    "c79aebd0ce3269393d4a1fde2cbd1d975d879b40f0bf40a48f550edc107fd5df",
  "4wvvbi4jwn0prsdxb7vs673qa5h9gr7x-foo.drv":
    "24c43196ac9c7b557bc525d13d16f990f730c060ae61f9133195f1c0a2ea0d9f",
  // Not in the spec's table; confirmed by its output path (see "output paths follow" below).
  "ch49594n9avinrf8ip0aslidkc4lxkqv-foo.drv":
    "7c621818730810a5396bea23e5ec0f7187d9d74456f859b9c874e9275def8236",
  "h32dahq0bx5rp1krcdx3a53asj21jvhk-has-multi-out.drv":
    "a1ad4156c02a06fdd497ed4dfcab6f041fe3fd4888f6bb1bebc31728bbc9717e",
  "9lj1lkjm2ag622mh4h9rpy6j607an8g2-structured-attrs.drv":
    "79f9e56abb389172193de0ecf76c07f708652ac435e0b2e70d2e669c4b3dc4f9",
  "52a9id8hx688hvlnz4d1n25ml1jdykz0-unicode.drv":
    "16e94a47873c43a2949655fedbaa3d85d7fa8153d48f11f468b9306a6bc3a6d5",
  "292w8yzv5nn7nhdpxcs8b7vby2p27s09-nested-json.drv":
    "ff91a43046196b6372a7245654a8a43dfbfe9acd3cf80f786dbb8bf31747afcd",
  "x6p0hg79i3wg0kkv7699935f7rrj9jf3-latin1.drv":
    "b5b1d36b7d183eae9050ecc0c547ce32e8bd73b0910de1cbe1c885ee4f4ea3fa",
  "m1vfixn8iprlf0v9abmlrz7mjw1xj8kp-cp1252.drv":
    "ec3f51cd041c0655f702d1a1d2ba14e33da0a098a5f38ca446d6c39c571833da",
};

/** Fixtures holding non-UTF-8 bytes; their JSON is Nix's raw-byte `show-derivation` output. */
const nonUtf8 = new Set([
  "m1vfixn8iprlf0v9abmlrz7mjw1xj8kp-cp1252.drv",
  "x6p0hg79i3wg0kkv7699935f7rrj9jf3-latin1.drv",
]);

function nameOf(file: string): string {
  return file.slice(33, -".drv".length);
}

/** Unmasked hash modulo of every fixture, for inputs (computed in dependency order). */
function lookupFor(): (p: string) => InputHashModulo | undefined {
  const cache = new Map<string, InputHashModulo>();
  const lookup = (p: string): InputHashModulo | undefined => {
    const base = p.slice("/nix/store/".length);
    if (!files.includes(base)) return undefined;
    let h = cache.get(base);
    if (h === undefined) {
      h = hashDerivationModulo(parseDerivation(readFileSync(join(okDir, base))), lookup);
      cache.set(base, h);
    }
    return h;
  };
  return lookup;
}

describe("derivation fixtures (spec §9.1)", { skip }, () => {
  it("has all the fixtures the spec lists (and one more)", () => {
    assert.deepEqual(files, Object.keys(hashModulo).sort());
  });
  const lookup = lookupFor();
  for (const f of files) {
    describe(f, () => {
      const bytes = readFileSync(join(okDir, f));
      it("parses and prints back byte for byte", () => {
        assert.ok(bytesEqual(printDerivation(parseDerivation(bytes)), bytes));
      });
      it("its text path (ATerm + references) is the file name", () => {
        assert.equal(derivationPath(parseDerivation(bytes), nameOf(f)), `/nix/store/${f}`);
      });
      it("validates with output paths required and the fixed output's path checked", () => {
        validateDerivation(parseDerivation(bytes), { name: nameOf(f) });
        parseDerivation(bytes, { name: nameOf(f) });
        if (f.endsWith("-bar.drv")) {
          assert.throws(() => parseDerivation(bytes, { name: "baz" }), {
            code: "fixed-output-path-mismatch",
          });
        }
      });
      it("output paths follow from the masked hashDerivationModulo", () => {
        const drv = parseDerivation(bytes);
        if (isFixedOutput(drv)) return; // checked by validateDerivation with the name
        const h = hashDerivationModulo(drv, lookup, { mask: true });
        for (const [o, out] of drv.outputs) {
          assert.equal(outputPath(out), makeOutputPath(h, o, nameOf(f)).toAbsolutePath());
          assert.equal(drv.env.get(o), outputPath(out));
        }
      });
      it("has the hashDerivationModulo of the spec", () => {
        const drv = parseDerivation(bytes);
        assert.equal(toHex(hashDerivationModulo(drv, lookup, { mask: true })), hashModulo[f]);
      });
      it("matches its JSON", () => {
        const jsonBytes = readFileSync(join(okDir, `${f}.json`));
        const drv = parseDerivation(bytes);
        if (nonUtf8.has(f)) {
          // Nix 2.8 show-derivation output with raw non-UTF-8 bytes: reproduce it exactly.
          assert.ok(bytesEqual(showDerivationJson([[`/nix/store/${f}`, drv]]), jsonBytes));
          const back = parseShowDerivationJson(jsonBytes).get(`/nix/store/${f}`)!;
          assert.ok(bytesEqual(printDerivation(back), bytes));
          assert.throws(
            () => derivationToJson(drv),
            (e: unknown) => e instanceof DerivationError && e.code === "not-utf8",
          );
          return;
        }
        const json = JSON.parse(jsonBytes.toString("utf8"));
        assert.deepEqual(derivationToJson(drv), json);
        assert.ok(bytesEqual(printDerivation(derivationFromJson(json)), bytes));
      });
      it("is rejected with a NUL byte appended", () => {
        assert.throws(
          () => parseDerivation(concatBytes([bytes, new Uint8Array([0])])),
          (e: unknown) => e instanceof DerivationError && e.code === "trailing-data",
        );
      });
    });
  }
  it("duplicate.drv is rejected: duplicate env key 'name'", () => {
    const bytes = readFileSync(join(dir!, "derivations", "duplicate.drv"));
    assert.throws(
      () => parseDerivation(bytes),
      (e: unknown) =>
        e instanceof DerivationError &&
        e.code === "duplicate-map-key" &&
        /"name"/.test(e.message) &&
        typeof e.offset === "number",
    );
  });
});

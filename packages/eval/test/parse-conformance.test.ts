/**
 * Parser conformance over ../shared/conformance: `parse-okay-*` must parse (and print as their
 * `.exp`, if any), `parse-fail-*` must not, every other `.nix` file must parse unless listed in
 * parse-expectations.json; and, with Nix installed, every file must get the same verdict and the
 * same `--parse` output as `nix-instantiate --parse` (Nix 2.8).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import {
  conformanceDir,
  conformanceMissing,
  hasOracle,
  ORACLE_MISSING,
} from "../../../test-support/index.ts";
import { parse, printParse, renderErrors, Source } from "../src/index.ts";
import { compareWithOracle, nixParseAsync } from "./support/parse-oracle.ts";

const expectations = JSON.parse(
  readFileSync(new URL("./parse-expectations.json", import.meta.url), "utf8"),
) as { rejected: Record<string, string>; oracleSkip: Record<string, string> };

const root = conformanceDir("");
const skipData = root ? false : conformanceMissing("");
const home = process.env.HOME ?? "/homeless-shelter";

function nixFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...nixFiles(p));
    else if (name.endsWith(".nix")) out.push(p);
  }
  return out.sort();
}

function parseFile(file: string) {
  const source = new Source(readFileSync(file), file);
  return parse(source, { basePath: dirname(file), home });
}

describe("parse conformance: parse-okay / parse-fail", { skip: skipData }, () => {
  for (const suite of ["nix_tests", "tvix_tests"]) {
    it(`eval/${suite}`, () => {
      const dir = join(root!, "eval", suite);
      const files = nixFiles(dir).filter((f) => /\/parse-(okay|fail)-[^/]*\.nix$/.test(f));
      let okay = 0;
      let fail = 0;
      for (const f of files) {
        const r = parseFile(f);
        if (f.includes("/parse-okay-")) {
          assert.equal(r.errors.length, 0, `${f}:\n${renderErrors(r.source, r.errors)}`);
          const exp = f.replace(/\.nix$/, ".exp");
          try {
            assert.equal(printParse(r.expr!), readFileSync(exp, "utf8").trimEnd(), exp);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
          }
          okay++;
        } else {
          assert.ok(r.errors.length > 0, `${f} must not parse`);
          fail++;
        }
      }
      process.stderr.write(`# eval/${suite}: ${okay} parse-okay, ${fail} parse-fail pass\n`);
    });
  }

  it("error messages of the parse-fail tests are CppNix's", () => {
    const msg = (name: string) => {
      const r = parseFile(join(root!, "eval", "nix_tests", name));
      return r.errors.map((e) => {
        const p = r.source.position(e.start);
        return `${e.message} @${p.line}:${p.column}`;
      });
    };
    const at = (name: string, pos: string) => `${join(root!, "eval", "nix_tests", name)}:${pos}`;
    assert.deepEqual(msg("parse-fail-dup-attrs-1.nix"), [
      `attribute 'x' already defined at ${at("parse-fail-dup-attrs-1.nix", "1:3")} @3:3`,
    ]);
    assert.deepEqual(msg("parse-fail-dup-attrs-4.nix"), [
      `attribute 'services.ssh.port' already defined at ${at("parse-fail-dup-attrs-4.nix", "2:3")} @3:3`,
    ]);
    // Current CppNix positions each inherited name (2.8: the end of `inherit`, 6:12 / 7:12).
    assert.deepEqual(msg("parse-fail-dup-attrs-7.nix"), [
      `attribute 'x' already defined at ${at("parse-fail-dup-attrs-7.nix", "6:13")} @7:13`,
    ]);
    assert.deepEqual(msg("parse-fail-dup-attrs-2.nix"), [
      `attribute 'x' already defined at ${at("parse-fail-dup-attrs-2.nix", "9:5")} @10:18`,
    ]);
    assert.deepEqual(msg("parse-fail-mixed-nested-attrs1.nix"), [
      `attribute 'z' already defined at ${at("parse-fail-mixed-nested-attrs1.nix", "3:16")} @2:3`,
    ]);
    assert.deepEqual(msg("parse-fail-mixed-nested-attrs2.nix"), [
      `attribute 'y' already defined at ${at("parse-fail-mixed-nested-attrs2.nix", "3:9")} @2:3`,
    ]);
    assert.deepEqual(msg("parse-fail-dup-formals.nix"), [
      "duplicate formal function argument 'x' @1:8",
    ]);
    assert.deepEqual(msg("parse-fail-patterns-1.nix"), [
      "duplicate formal function argument 'args' @1:1",
    ]);
    assert.deepEqual(msg("parse-fail-undef-var.nix"), ["undefined variable 'y' @1:4"]);
    // The inherited name's own position (2.8: 8:12, the end of the set's `{`).
    assert.deepEqual(msg("parse-fail-regression-20060610.nix"), ["undefined variable 'gcc' @9:13"]);
    assert.deepEqual(msg("parse-fail-undef-var-2.nix"), [
      "syntax error, unexpected ':', expecting '}' or ',' @3:13",
    ]);
    assert.deepEqual(msg("parse-fail-uft8.nix"), [
      "syntax error, unexpected invalid token, expecting end of file @1:5",
    ]);
    // The file ends in `"$`: the `$` is scanned, then the input ends.
    assert.deepEqual(msg("parse-fail-eof-in-string.nix"), [
      "syntax error, unexpected end of file, expecting '\"' @3:6",
    ]);
  });
});

describe("parse conformance: every .nix file parses unless expected not to", {
  skip: skipData,
}, () => {
  it("all files", () => {
    const files = nixFiles(root!);
    let parsed = 0;
    let rejected = 0;
    const wrong: string[] = [];
    for (const f of files) {
      const rel = relative(root!, f);
      const r = parseFile(f);
      const expectReject = rel in expectations.rejected;
      if (r.errors.length === 0) parsed++;
      else rejected++;
      if (r.errors.length > 0 !== expectReject)
        wrong.push(
          expectReject
            ? `${rel}: parses but should be rejected (${expectations.rejected[rel]})`
            : `${rel}:\n${renderErrors(r.source, r.errors)}`,
        );
    }
    process.stderr.write(
      `# conformance files: ${files.length}; ${parsed} parse, ${rejected} rejected as expected\n`,
    );
    assert.deepEqual(wrong, []);
  });
});

describe("parse conformance: same verdict and --parse output as Nix 2.8", {
  skip: skipData || (hasOracle() ? false : ORACLE_MISSING),
}, () => {
  it("every .nix file", async () => {
    const files = nixFiles(root!).filter((f) => !(relative(root!, f) in expectations.oracleSkip));
    const byDir = new Map<string, { file: string; bytes: Uint8Array }[]>();
    const rejectedByUs: string[] = [];
    for (const f of files) {
      const r = parseFile(f);
      if (r.errors.length > 0) {
        rejectedByUs.push(f);
        continue;
      }
      const d = dirname(f);
      const list = byDir.get(d) ?? [];
      list.push({ file: f, bytes: readFileSync(f) });
      byDir.set(d, list);
    }
    // Files we accept: one oracle run per directory (relative paths resolve against it).
    const results = await Promise.all(
      [...byDir].map(async ([dir, list]) => {
        const res = await compareWithOracle(
          list.map((x) => x.bytes),
          dir,
          home,
        );
        return res.map((r) => ({ ...r, file: list[r.index].file }));
      }),
    );
    // Files we reject: the oracle must reject each of them too.
    const theirVerdicts = await Promise.all(
      rejectedByUs.map(async (f) => ({
        file: f,
        run: await nixParseAsync(readFileSync(f), dirname(f)),
      })),
    );
    const flat = results.flat();
    const count = (s: string) => flat.filter((r) => r.status === s).length;
    const problems = [
      ...flat
        .filter((r) => r.status === "different" || r.status === "oracle-rejects")
        .map((r) =>
          r.status === "different"
            ? `${r.file}: output differs\n  ours:   ${r.ours}\n  theirs: ${r.theirs}`
            : `${r.file}: we parse it, Nix 2.8 does not: ${r.stderr?.split("\n")[0]}`,
        ),
      ...theirVerdicts
        .filter((v) => v.run.ok)
        .map((v) => `${v.file}: Nix 2.8 parses it, we do not`),
    ];
    process.stderr.write(
      `# vs Nix 2.8: ${count("identical") + count("modulo-order")} files print identically ` +
        `(${count("modulo-order")} in batches where 2.8's symbol order was applied to let/formals), ` +
        `${theirVerdicts.filter((v) => !v.run.ok).length} rejected by both, ` +
        `${Object.keys(expectations.oracleSkip).length} skipped, ${problems.length} problems\n`,
    );
    assert.deepEqual(problems, []);
  });
});

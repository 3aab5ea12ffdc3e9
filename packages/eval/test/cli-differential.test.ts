/**
 * `tvix eval` output modes against `nix-instantiate --eval` (Nix 2.8, the oracle) on files, so
 * that positions and paths agree: plain, `--strict`, `--json` (with and without `--strict`),
 * `--xml` (with locations, and `--no-location`) and `-A`. Known, deliberate differences:
 * `--json` output ends with a newline (current CppNix adds one; 2.8 does not), and `--raw`,
 * which 2.8 lacks, is checked against its definition instead.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { oracleSkip, run, runTvix } from "../../../test-support/index.ts";

const dir = mkdtempSync(join(tmpdir(), "tvix-eval-diff-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  "set.nix": `{
  a = 1 + 1;
  b = [ 1 2.5 "x\\ny" ];
  c = { d = "é \\"q\\" \${"x"}"; e = null; f = true; };
  g = x: x;
  h = { y ? 1, z, ... }: y;
  i = builtins.add;
  j = ./set.nix;
}
`,
  "direct.nix": `{ a = 1; b = "x"; c = 2.5; d = null; }\n`,
  "drv.nix": `{ type = "derivation"; name = "n"; outPath = "/nix/store/x"; drvPath = "/nix/store/y"; z = [ 1 ]; }\n`,
  // Which builtins keep attribute positions (unsafeGetAttrPos) and which give none.
  "pos.nix": `let
  s = { a = 1; b = 2; };
  m = builtins.mapAttrs (n: v: v) s;
  p = builtins.unsafeGetAttrPos "a";
in map p [ s m (s // m) (m // s) (removeAttrs s [ "b" ]) (builtins.intersectAttrs { a = 0; } s)
  (builtins.intersectAttrs s { a = 0; }) (builtins.listToAttrs [ { name = "a"; value = 1; } ])
  (s // { }) ({ } // s) (s // { b = 3; }) (builtins.functionArgs ({ a, b ? 1 }: a)) ]
`,
};
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

function both(args: string[]): { tvix: ReturnType<typeof run>; nix: ReturnType<typeof run> } {
  return {
    tvix: runTvix(["eval", ...args], { cwd: dir }),
    nix: run("nix-instantiate", ["--eval", ...args], { cwd: dir }),
  };
}

function same(args: string[], adjust: (nixOut: string) => string = (s) => s): void {
  const { tvix, nix } = both(args);
  assert.equal(tvix.status, nix.status, `${args.join(" ")}: ${tvix.stderr} / ${nix.stderr}`);
  assert.equal(
    tvix.stdout.toString("latin1"),
    adjust(nix.stdout.toString("latin1")),
    args.join(" "),
  );
}

describe("tvix eval output modes vs nix-instantiate --eval", oracleSkip(), () => {
  it("plain and --strict", () => {
    same(["set.nix"]);
    same(["--strict", "set.nix"]);
    same(["--strict", "drv.nix"]);
    same(["-A", "c", "--strict", "set.nix"]);
    same(["--strict", "pos.nix"]);
  });

  it("--json (newline-terminated, as current CppNix)", () => {
    const nl = (s: string) => `${s}\n`;
    same(["--json", "direct.nix"], nl);
    same(["--json", "--strict", "-A", "c", "set.nix"], nl);
    same(["--json", "--strict", "-A", "b", "set.nix"], nl);
    same(["--json", "--strict", "drv.nix"], nl);
    // Without --strict a nested value never evaluated cannot be converted.
    const { tvix, nix } = both(["--json", "-A", "c", "set.nix"]);
    assert.equal(tvix.status, 1);
    assert.equal(nix.status, 1);
    assert.match(tvix.stderr, /error: cannot convert a thunk to JSON/);
    assert.match(nix.stderr, /cannot convert a thunk to JSON/);
  });

  it("--xml with source locations, and --no-location", () => {
    same(["--xml", "set.nix"]);
    same(["--xml", "--strict", "set.nix"]);
    same(["--xml", "--strict", "--no-location", "set.nix"]);
    same(["--xml", "--strict", "drv.nix"]);
  });

  it("--raw prints a string as is, without a newline", () => {
    const r = runTvix(["eval", "--raw", "-A", "c.d", "set.nix"], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString("utf8"), 'é "q" x');
    // Only values that coerce to a string without toString's extra cases (CppNix).
    const n = runTvix(["eval", "--raw", "-E", "1"], { cwd: dir });
    assert.equal(n.status, 1);
    assert.match(
      n.stderr,
      /while generating the nix-instantiate output[\s\S]*cannot coerce an integer to a string: 1/,
    );
  });
});

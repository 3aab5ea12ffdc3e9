// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Nix source text uses ${ ... }
/**
 * `tvix eval --parse`: files, directories, stdin, -E, CppNix-style errors, usage errors, and the
 * same output as `nix-instantiate --parse` where Nix 2.8 and current CppNix print alike.
 * (The parser itself is tested in packages/eval/test.)
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { oracleSkip, run, runTvix } from "../../../test-support/index.ts";
import { main } from "../src/main.ts";

const tmp = mkdtempSync(join(tmpdir(), "tvix-eval-parse-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `tvix ARGS` in this process (much faster than spawning); `cwd` is entered meanwhile. */
async function tvix(args: string[], opts: { cwd?: string } = {}) {
  const collect = () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(Buffer.from(chunk));
        cb();
      },
    });
    return { stream, bytes: () => Buffer.concat(chunks) };
  };
  const out = collect();
  const err = collect();
  const cwd = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  try {
    const status = await main(args, { stdout: out.stream, stderr: err.stream });
    return { status, stdout: out.bytes(), stderr: err.bytes().toString("utf8") };
  } finally {
    process.chdir(cwd);
  }
}

describe("tvix eval --parse", () => {
  it("-E EXPR prints the fully parenthesised form", async () => {
    const r = await tvix(["eval", "--parse", "-E", "x: x.a or 1 + 2 * 3"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), "(x: ((x).a or (1) + (__mul 2 3)))\n");
  });

  it("relative paths resolve against the current directory for -E, the file's directory otherwise", async () => {
    const a = await tvix(["eval", "--parse", "-E", "./x"], { cwd: tmp });
    assert.equal(a.stdout.toString(), `${tmp}/x\n`);
    mkdirSync(join(tmp, "sub"));
    writeFileSync(join(tmp, "sub", "default.nix"), "[ ./y ../z ]\n");
    const b = await tvix(["eval", "--parse", "sub"], { cwd: tmp });
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout.toString(), `[ (${tmp}/sub/y) (${tmp}/z) ]\n`);
    // A symlink is followed first, so paths are relative to the real file.
    symlinkSync(join(tmp, "sub", "default.nix"), join(tmp, "link.nix"));
    const c = await tvix(["eval", "--parse", join(tmp, "link.nix")]);
    assert.equal(c.stdout.toString(), `[ (${tmp}/sub/y) (${tmp}/z) ]\n`);
    // Without arguments, ./default.nix.
    const d = await tvix(["eval", "--parse"], { cwd: join(tmp, "sub") });
    assert.equal(d.stdout.toString(), `[ (${tmp}/sub/y) (${tmp}/z) ]\n`);
  });

  it("reads standard input with - (separate process)", () => {
    const r = runTvix(["eval", "--parse", "-"], { input: "[1 2]" });
    assert.equal(r.stdout.toString(), "[ (1) (2) ]\n");
  });

  it("keeps string bytes that are not UTF-8", async () => {
    writeFileSync(join(tmp, "bytes.nix"), Buffer.from([0x22, 0xff, 0xfe, 0x22, 0x0a]));
    const r = await tvix(["eval", "--parse", join(tmp, "bytes.nix")]);
    assert.deepEqual([...r.stdout], [0x22, 0xff, 0xfe, 0x22, 0x0a]);
  });

  it("parse errors: exit 1, CppNix-style report with code frame", async () => {
    writeFileSync(join(tmp, "bad.nix"), "let\n  a = 1;\n  b = c;\nin a\n");
    const r = await tvix(["eval", "--parse", join(tmp, "bad.nix")]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout.length, 0);
    assert.equal(
      r.stderr,
      [
        "error: undefined variable 'c'",
        `       at ${tmp}/bad.nix:3:7:`,
        "            2|   a = 1;",
        "            3|   b = c;",
        "             |       ^",
        "            4| in a",
        "",
      ].join("\n"),
    );
    const e = await tvix(["eval", "--parse", "-E", "{ a = 1; a = 2; }"]);
    assert.equal(e.status, 1);
    assert.match(
      e.stderr,
      /^error: attribute 'a' already defined at «string»:1:3\n {7}at «string»:1:10:\n/,
    );
  });

  it("missing file: exit 1", async () => {
    const r = await tvix(["eval", "--parse", join(tmp, "nope.nix")]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nope\.nix/);
  });

  it("usage errors: exit 2 (evaluation flags do not mix with --parse)", async () => {
    for (const args of [
      ["eval", "--parse", "--strict", "-E", "1"],
      ["eval", "--parse", "-A", "x", "f.nix"],
      ["eval", "--parse", "-E", "1", "f.nix"],
      ["eval", "--parse", "--bogus"],
    ]) {
      const r = await tvix(args);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, /^tvix: /);
    }
  });

  it("--help", async () => {
    const r = await tvix(["eval", "--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout.toString(), /tvix eval --parse \[FILE\.\.\. \| -E EXPR\]/);
  });

  it("same output as nix-instantiate --parse", oracleSkip(), async () => {
    const exprs = [
      "let f = { a, b ? 2, ... } @ args: a + b; in f { a = 1; }",
      'rec { x = "a${toString 1}b"; y = x; z = [ 1 2.5 "s" ./p <nixpkgs> ]; }',
      "with builtins; if 1 < 2 && !false then map (x: -x) [ 1 ] else null",
      "{ a.b.c = 1; a.b.d = 2; }.a.b ? c",
    ];
    for (const e of exprs) {
      const ours = await tvix(["eval", "--parse", "-E", e], { cwd: tmp });
      const theirs = run("nix-instantiate", ["--parse", "-E", e], { cwd: tmp });
      assert.equal(ours.stdout.toString(), theirs.stdout.toString(), e);
    }
  });
});

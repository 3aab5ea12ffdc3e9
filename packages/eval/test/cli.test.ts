/**
 * `tvix eval` end to end: output modes, -A/--arg/--argstr/-I, errors with code frames, and the
 * resource limits (infinite recursion, unbounded recursion, a 10-million-element list folded
 * with foldl') that must give results or clean errors, never a Node crash.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runTvix } from "../../../test-support/index.ts";

function evalOk(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = runTvix(["eval", ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.toString("utf8");
}

describe("tvix eval", () => {
  it("prints values as nix-instantiate --eval does", () => {
    assert.equal(evalOk(["-E", "{ a = 1 + 1; b = [ 1 2.5 ]; }"]), "{ a = <CODE>; b = <CODE>; }\n");
    assert.equal(
      evalOk([
        "--strict",
        "-E",
        '{ a = 1 + 1; b = [ 1 2.5 ("x\\n$" + "{") ]; c = x: x; d = builtins.add; }',
      ]),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Nix source
      '{ a = 2; b = [ 1 2.5 "x\\n\\${" ]; c = <LAMBDA>; d = <PRIMOP>; }\n',
    );
    assert.equal(evalOk(["--strict", "-E", "let x = [ 1 ]; in [ x x ]"]), "[ [ 1 ] «repeated» ]\n");
    assert.equal(
      evalOk(["--json", "--strict", "-E", '{ a = [ 1 "b" null ]; f = 1.5; }']),
      '{"a":[1,"b",null],"f":1.5}\n',
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Nix source
    assert.equal(evalOk(["--raw", "-E", '"a${toString 1}"']), "a1");
  });

  it("supports -A, --arg, --argstr and -I", () => {
    const dir = mkdtempSync(join(tmpdir(), "tvix-eval-"));
    writeFileSync(join(dir, "f.nix"), "{ x ? 1, y }: { r = { s = [ x y ]; }; }");
    writeFileSync(join(dir, "lib.nix"), "42");
    assert.equal(
      evalOk(["--strict", "f.nix", "--arg", "x", "2", "--argstr", "y", "s"], { cwd: dir }),
      '{ r = { s = [ 2 "s" ]; }; }\n',
    );
    assert.equal(evalOk(["f.nix", "-A", "r.s.1", "--argstr", "y", "z"], { cwd: dir }), '"z"\n');
    assert.equal(evalOk(["-I", `foo=${dir}`, "-E", "import <foo/lib.nix>"]), "42\n");
    assert.equal(evalOk(["-E", "import <lib.nix>"], { env: { NIX_PATH: dir } }), "42\n");
  });

  it("reports errors with a code frame and a trace, exit 1", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Nix source
    const r = runTvix(["eval", "-E", 'let f = x: throw "no ${x}"; in f "way"']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: no way/);
    assert.match(r.stderr, /while calling 'f'/);
    assert.match(r.stderr, /\^/);
  });

  it("turns infinite recursion into an error", () => {
    const r = runTvix(["eval", "-E", "let x = x; in x"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /infinite recursion encountered/);
  });

  it("survives unbounded recursion with a clean error", { timeout: 60_000 }, () => {
    const r = runTvix(["eval", "-E", "let f = n: 1 + f (n + 1); in f 0"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /stack overflow/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  });

  it("limits nested calls with --max-call-depth, as CppNix does", () => {
    const deep = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 2000";
    assert.equal(evalOk(["--max-call-depth", "2001", "-E", deep]), "2000\n");
    const r = runTvix(["eval", "--max-call-depth", "1000", "-E", deep]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: stack overflow; max-call-depth exceeded/);
    // The repeated frames of the recursion are printed once.
    assert.match(r.stderr, /\(\d+ duplicate frames omitted\)/);
    assert.ok(r.stderr.split("while calling 'f'").length <= 4, r.stderr);
    // tryEval does not catch it, and does not leak depth when it catches a throw.
    const tries =
      'builtins.foldl\' (a: i: a + (if (builtins.tryEval (let g = n: if n == 0 then throw "x" else g (n - 1); in g 500)).success then 1 else 0)) 0 (builtins.genList (x: x) 100)';
    assert.equal(evalOk(["--max-call-depth", "1000", "-E", tries]), "0\n");
  });

  it("handles deep (but finite) recursion", { timeout: 60_000 }, () => {
    assert.equal(
      evalOk(["-E", "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000"]),
      "100000\n",
    );
  });

  it("folds a 10-million-element list", { timeout: 100_000 }, () => {
    assert.equal(
      evalOk(["-E", "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 10000000)"]),
      "49999995000000\n",
    );
  });

  it("enables experimental features with --extra-experimental-features", () => {
    const toml = "builtins.fromTOML ''d = 1979-05-27''";
    assert.equal(
      evalOk(["--strict", "--extra-experimental-features", "parse-toml-timestamps", "-E", toml]),
      '{ d = { _type = "timestamp"; value = "1979-05-27"; }; }\n',
    );
    const r = runTvix(["eval", "--strict", "-E", toml]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Dates and times are not supported/);
  });

  it("--trace-verbose and --abort-on-warn", () => {
    const tv = 'builtins.traceVerbose "Hello" 123';
    let r = runTvix(["eval", "-E", tv]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Hello/);
    r = runTvix(["eval", "--trace-verbose", "-E", tv]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /trace: Hello/);
    const warn = 'builtins.warn "Hello" 123';
    r = runTvix(["eval", "-E", warn]);
    assert.equal(r.stdout.toString(), "123\n");
    assert.match(r.stderr, /evaluation warning: Hello/);
    r = runTvix(["eval", "--abort-on-warn", "-E", warn]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /evaluation warning: Hello[\s\S]*abort-on-warn is set/);
    r = runTvix(["eval", "-E", "builtins.warn 123 456"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /expected a string but found an integer: 123/);
  });
});

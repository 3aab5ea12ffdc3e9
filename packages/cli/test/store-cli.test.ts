/**
 * `tvix store import/ls/cat/info` end to end (in process), against `nix-store --add` and
 * `nix store ls` output shapes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { hasOracle } from "../../../test-support/index.ts";
import type { Command, CommandIO } from "../src/command.ts";
import { storeImport } from "../src/commands/store-import.ts";
import { storeCat, storeInfo, storeLs } from "../src/commands/store-inspect.ts";
import { UsageError } from "../src/errors.ts";

/**
 * main()'s dispatch and error handling for the store commands only, so these tests do not
 * depend on every other command's modules loading.
 */
async function main(argv: string[], io: CommandIO): Promise<number> {
  const cmds: Command[] = [storeImport, storeLs, storeCat, storeInfo];
  const c = cmds.find((c) => c.path.every((w, i) => argv[i] === w))!;
  try {
    return (await c.run(argv.slice(c.path.length), io)) ?? 0;
  } catch (e) {
    io.stderr.write(`error: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

async function tvix(args: string[], env: Record<string, string> = {}, tty = false) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  // A terminal, as far as the progress line can tell.
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  stdout.on("data", (d) => out.push(d));
  stderr.on("data", (d) => err.push(d));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(args, { stdout, stderr });
    return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe("tvix store import / ls / cat / info", () => {
  let dir: string;
  let env: Record<string, string>;
  let tree: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "store-cli-"));
    env = { XDG_DATA_HOME: join(dir, "data") };
    tree = join(dir, "t");
    await mkdir(join(tree, "sub"), { recursive: true });
    await writeFile(join(tree, "a"), "hi\n");
    await symlink("a", join(tree, "l"));
    await writeFile(join(tree, "sub", "b"), "x\n");
    await chmod(join(tree, "sub", "b"), 0o755);
    await writeFile(join(dir, "single"), "just a file");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("import prints what nix-store --add prints, into the default local store", async (t) => {
    const r = await tvix(["store", "import", tree, join(dir, "single")], env);
    assert.equal(r.code, 0, r.stderr);
    const paths = r.stdout.toString().trim().split("\n");
    assert.equal(paths.length, 2);
    if (!hasOracle()) return t.skip("nix not installed");
    for (const [i, p] of [tree, join(dir, "single")].entries()) {
      const nix = spawnSync("nix-store", ["--store", join(dir, "nix"), "--add", p], {
        encoding: "utf8",
      });
      assert.equal(paths[i], nix.stdout.trim());
    }
  });

  it("shows progress on a terminal only, and clears it", async () => {
    const big = join(dir, "progress");
    await mkdir(big);
    for (let i = 0; i < 20; i++) await writeFile(join(big, `f${i}`), `file ${i}\n`);
    await writeFile(join(big, "large"), Buffer.alloc(5 * 1024 * 1024, 7));
    const plain = await tvix(["store", "import", big], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, "");
    const shown = await tvix(["store", "import", big], env, true);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(shown.stdout, plain.stdout, "the output is the same");
    assert.match(shown.stderr, /^\r\x1b\[Kimporting progress: \d+ files, [\d.]+ MiB/);
    assert.match(shown.stderr, /\r\x1b\[Khashing the NAR of progress\r\x1b\[K$/);
    const off = await tvix(["store", "import", "--no-progress", big], env, true);
    assert.equal(off.stderr, "");
    assert.deepEqual(off.stdout, plain.stdout);
  });

  it("ls, cat and info read it back (same layout as nix store ls)", async () => {
    const p = (await tvix(["store", "import", tree], env)).stdout.toString().trim();
    assert.equal((await tvix(["store", "ls", p], env)).stdout.toString(), "./a\n./l\n./sub\n");
    assert.equal(
      (await tvix(["store", "ls", "-lR", p], env)).stdout.toString(),
      [
        "-r--r--r--                    3 ./a",
        "lrwxrwxrwx                    0 ./l -> a",
        "dr-xr-xr-x                    0 ./sub",
        "-r-xr-xr-x                    2 ./sub/b",
        "",
      ].join("\n"),
    );
    assert.equal(
      (await tvix(["store", "ls", "--json", "-R", p], env)).stdout.toString(),
      '{"type":"directory","entries":{"a":{"type":"regular","size":3},"l":{"type":"symlink","target":"a"},"sub":{"type":"directory","entries":{"b":{"type":"regular","size":2,"executable":true}}}}}',
    );
    assert.equal((await tvix(["store", "cat", `${p}/sub/b`], env)).stdout.toString(), "x\n");
    const info = (await tvix(["store", "info", p], env)).stdout.toString();
    assert.match(
      info,
      new RegExp(
        `^StorePath: ${p}\nURL: nar/tvix-castore/[A-Za-z0-9_-]+\\?narsize=\\d+\nCompression: none\nNarHash: sha256:[0-9a-z]{52}\nNarSize: \\d+\nReferences: \nCA: fixed:r:sha256:`,
      ),
    );
  });

  it("errors: missing path, missing file, not a file, bad arguments", async () => {
    const p = (await tvix(["store", "import", tree], env)).stdout.toString().trim();
    const missing = "/nix/store/00000000000000000000000000000000-nope";
    assert.equal((await tvix(["store", "info", missing], env)).code, 1);
    assert.equal((await tvix(["store", "cat", `${p}/nope`], env)).code, 1);
    assert.equal((await tvix(["store", "cat", `${p}/sub`], env)).code, 1);
    assert.equal((await tvix(["store", "ls", "not-a-store-path"], env)).code, 1);
    assert.equal((await tvix(["store", "import"], env)).code, 2);
    assert.equal((await tvix(["store", "import", join(dir, "does-not-exist")], env)).code, 1);
    assert.equal(
      (await tvix(["store", "ls", p, "--path-info-service-addr", "bogus://"], env)).code,
      1,
    );
  });

  it("uses the service flags instead of the default store", async () => {
    const r = await tvix(
      [
        "store",
        "import",
        tree,
        "--blob-service-addr",
        "memory://",
        "--directory-service-addr",
        "memory://",
        "--path-info-service-addr",
        "memory://",
      ],
      { XDG_DATA_HOME: join(dir, "unused") },
    );
    assert.equal(r.code, 0, r.stderr);
  });
});

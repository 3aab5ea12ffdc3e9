/**
 * Fetchers against a local HTTP server (127.0.0.1, started here) and local git repositories
 * made here: store paths equal Nix 2.8's (when the oracle is installed), hashes are verified,
 * and failures (mismatch, 404, truncated body, corrupt or hostile archives) are clear errors
 * that leave nothing in the store.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { OpenedStore } from "@tvix-ts/store";
import { hasOracle } from "../../../test-support/index.ts";
import { memStore, runJob } from "./support/run.ts";

/** Nix may fetch from our server, so it must not block this thread (no spawnSync). */
async function nixAsync(args: string[]): Promise<string> {
  const { promisify } = await import("node:util");
  const { execFile } = await import("node:child_process");
  const r = await promisify(execFile)("nix-instantiate", args, { encoding: "latin1" });
  return r.stdout;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function storeSize(store: OpenedStore): Promise<number> {
  let n = 0;
  for await (const _ of store.pathInfoService.list()) n++;
  return n;
}

describe("fetchers", () => {
  let dir = "";
  let server: Server;
  let base = "";
  const files = new Map<string, Buffer>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tvix-glue-fetch-"));
    const src = join(dir, "src", "tree");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "hello.txt"), "hello\n");
    writeFileSync(join(src, "sub", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    execFileSync("tar", ["-C", join(dir, "src"), "-cf", join(dir, "t.tar"), "tree"]);
    const tar = readFileSync(join(dir, "t.tar"));
    files.set("/file.txt", Buffer.from("some file contents\n"));
    files.set("/t.tar", tar);
    for (const [ext, prog] of [
      ["gz", "gzip"],
      ["bz2", "bzip2"],
      ["xz", "xz"],
      ["zst", "zstd"],
    ] as const) {
      const r = spawnSync(prog, ["-c"], { input: tar, maxBuffer: 1 << 26 });
      if (r.status === 0) files.set(`/t.tar.${ext}`, r.stdout);
    }
    files.set(
      "/corrupt.tar.gz",
      Buffer.concat([files.get("/t.tar.gz") ?? tar, Buffer.alloc(0)]).subarray(0, 40),
    );
    // Hostile archives, made with Python's tarfile (which writes names as given).
    const py = (name: string, out: string) =>
      spawnSync("python3", [
        "-c",
        `import tarfile,io,sys\nt=tarfile.open(sys.argv[2],"w")\nd=b"x"\ni=tarfile.TarInfo("top/ok");i.size=1;t.addfile(i,io.BytesIO(d))\ni=tarfile.TarInfo(sys.argv[1]);i.size=1;t.addfile(i,io.BytesIO(d))\nt.close()`,
        name,
        out,
      ]);
    py("top/../../evil", join(dir, "dotdot.tar"));
    py("/etc/evil", join(dir, "abs.tar"));
    files.set("/dotdot.tar", readFileSync(join(dir, "dotdot.tar")));
    files.set("/abs.tar", readFileSync(join(dir, "abs.tar")));
    server = createServer((req, res) => {
      if (req.url === "/truncated") {
        res.writeHead(200, { "content-length": "1000" });
        res.write("only a little");
        res.destroy();
        return;
      }
      const body = files.get(req.url ?? "");
      if (body === undefined) {
        res.writeHead(404);
        res.end("not found");
        return;
      }
      res.writeHead(200, { "content-length": String(body.length) });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const evalIn = async (store: OpenedStore, expr: string) =>
    runJob(store, { expr, cwd: dir, strict: true });

  it("fetchurl without a hash downloads; with a hash it is lazy until read, then verified", async () => {
    const store = memStore();
    const data = files.get("/file.txt")!;
    const a = await evalIn(store, `builtins.fetchurl "${base}/file.txt"`);
    assert.equal(a.status, 0, a.stderr);
    const lazy = await evalIn(
      store,
      `builtins.fetchurl { url = "${base}/nowhere"; sha256 = "${sha256(data)}"; name = "file.txt"; }`,
    );
    assert.equal(lazy.status, 0, lazy.stderr);
    assert.equal(lazy.stdout, a.stdout, "lazy path equals the downloaded one");
    const read = await evalIn(
      store,
      `builtins.readFile (builtins.fetchurl { url = "${base}/file.txt"; sha256 = "${sha256(data)}"; })`,
    );
    assert.equal(read.stdout, '"some file contents\\n"\n');
    if (hasOracle()) {
      const nix = await nixAsync([
        "--eval",
        "--store",
        join(dir, "nixstore"),
        "-E",
        `builtins.fetchurl "${base}/file.txt"`,
      ]);
      assert.equal(nix, a.stdout);
    }
    await store.close();
  });

  it("reports hash mismatches with both hashes and stores nothing", async () => {
    const store = memStore();
    const r = await evalIn(
      store,
      `builtins.readFile (builtins.fetchurl { url = "${base}/file.txt"; sha256 = "${"0".repeat(63)}1"; })`,
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /hash mismatch in file downloaded from '.*file\.txt'/);
    assert.match(r.stderr, /specified: sha256:.*\n.*got: +sha256:/);
    assert.equal(await storeSize(store), 0);
    await store.close();
  });

  it("fails clearly on 404 and truncated downloads", async () => {
    const store = memStore();
    const r404 = await evalIn(store, `builtins.fetchurl "${base}/missing"`);
    assert.equal(r404.status, 1);
    assert.match(r404.stderr, /unable to download '.*\/missing': HTTP error 404/);
    const trunc = await evalIn(store, `builtins.fetchurl "${base}/truncated"`);
    assert.equal(trunc.status, 1);
    assert.match(trunc.stderr, /unable to download '.*\/truncated'/);
    assert.equal(await storeSize(store), 0);
    await store.close();
  });

  it("fetchTarball unpacks every compression to the same store path as Nix", async () => {
    const store = memStore();
    const exts = [...files.keys()].filter((k) => /^\/t\.tar/.test(k));
    const paths = new Set<string>();
    for (const e of exts) {
      const r = await evalIn(store, `builtins.fetchTarball "${base}${e}"`);
      assert.equal(r.status, 0, `${e}: ${r.stderr}`);
      paths.add(r.stdout);
    }
    assert.equal(paths.size, 1, [...paths].join(","));
    const p = JSON.parse([...paths][0]);
    const ls = await evalIn(store, `builtins.attrNames (builtins.readDir ${JSON.stringify(p)})`);
    assert.equal(ls.stdout, '[ "hello.txt" "sub" ]\n');
    if (hasOracle()) {
      const want = execFileSync("nix-store", [
        "--store",
        join(dir, "nixstore"),
        "--add",
        join(dir, "src", "tree"),
      ])
        .toString()
        .trim()
        .replace(/-tree$/, "-source");
      const nixHash = execFileSync("nix-hash", ["--type", "sha256", join(dir, "src", "tree")])
        .toString()
        .trim();
      const lazy = await evalIn(
        memStore(),
        `builtins.fetchTarball { url = "${base}/nowhere"; sha256 = "${nixHash}"; }`,
      );
      assert.equal(JSON.parse(lazy.stdout), p);
      assert.ok(want.endsWith("-source"));
    }
    await store.close();
  });

  it("rejects corrupt archives and archives with '..' or absolute paths, storing nothing", async () => {
    const store = memStore();
    for (const f of ["/corrupt.tar.gz", "/dotdot.tar", "/abs.tar"]) {
      const r = await evalIn(store, `builtins.fetchTarball "${base}${f}"`);
      assert.equal(r.status, 1, `${f} should fail`);
      assert.match(r.stderr, /unpacking '.*'/, r.stderr);
    }
    assert.equal(await storeSize(store), 0);
    await store.close();
  });

  it("fetchGit reads local repositories (path and file://, rev, ref, dirty trees)", async () => {
    const repo = join(dir, "repo");
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: repo })
        .toString()
        .trim();
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, "a"), "one\n");
    git("add", "a");
    git("commit", "-qm", "one");
    const rev1 = git("rev-parse", "HEAD");
    writeFileSync(join(repo, "a"), "two\n");
    git("commit", "-qam", "two");
    const store = memStore();
    const r = await evalIn(
      store,
      `let g = builtins.fetchGit ${repo}; h = builtins.fetchGit { url = "file://${repo}"; rev = "${rev1}"; }; r = builtins.fetchGit { url = ${repo}; ref = "main"; }; in [ g.revCount h.revCount (builtins.readFile "\${g}/a") (builtins.readFile "\${h}/a") (g.rev == r.rev) h.shortRev ]`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `[ 2 1 "two\\n" "one\\n" true "${rev1.slice(0, 7)}" ]\n`);
    if (hasOracle()) {
      const expr = `let g = builtins.fetchGit ${repo}; in [ g.outPath g.narHash g.rev g.revCount g.lastModified g.lastModifiedDate ]`;
      const nix = await nixAsync([
        "--eval",
        "--strict",
        "--store",
        join(dir, "nixstore"),
        "-E",
        expr,
      ]);
      const ours = await evalIn(store, expr);
      assert.equal(ours.stdout, nix);
    }
    writeFileSync(join(repo, "a"), "dirty\n");
    const d = await evalIn(
      store,
      `let g = builtins.fetchGit ${repo}; in [ g.rev (builtins.readFile "\${g}/a") ]`,
    );
    assert.equal(d.stdout, `[ "0000000000000000000000000000000000000000" "dirty\\n" ]\n`);
    assert.match(d.warnings, /Git tree '.*repo' is dirty/);
    await store.close();
  });
});

/**
 * `tvix store copy`: from a binary cache written by Nix (served over HTTP) into a local store
 * directory, and from that into another, with the same NAR hashes as Nix's store.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { oracleSkip } from "../../../test-support/index.ts";
import {
  generateKey,
  makeSourceStore,
  NIX_OPTS,
  narHashIn,
  runNixOk,
} from "../../store/test/support/nix.ts";
import { type StaticServer, serveDirectory } from "../../store/test/support/static-server.ts";
import type { Command } from "../src/command.ts";
import { storeCopy } from "../src/commands/store-copy.ts";
import { storeInfo } from "../src/commands/store-inspect.ts";
import { UsageError } from "../src/errors.ts";

async function run(c: Command, args: string[]) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (d) => out.push(d));
  stderr.on("data", (d) => err.push(d));
  let code: number;
  try {
    code = (await c.run(args, { stdout, stderr })) ?? 0;
  } catch (e) {
    err.push(Buffer.from(`error: ${(e as Error).message}\n`));
    code = e instanceof UsageError ? 2 : 1;
  }
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe("tvix store copy", oracleSkip(), () => {
  let dir: string;
  let src: Awaited<ReturnType<typeof makeSourceStore>>;
  let key: { public: string };
  let server: StaticServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "store-copy-cli-"));
    src = await makeSourceStore(dir, join(dir, "src"), `${process.pid}-${Date.now()}`);
    key = generateKey(dir, "k-1");
    await runNixOk(
      "nix",
      [
        "copy",
        ...NIX_OPTS,
        "--from",
        join(dir, "src"),
        "--to",
        `file://${dir}/cache?secret-key=${dir}/k-1.sk`,
        src.top,
      ],
      src.home,
    );
    server = await serveDirectory(join(dir, "cache"));
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("copies from nix+http into a local store, then between local stores", async () => {
    const from = `nix+${server.url}?trusted-public-keys=${encodeURIComponent(key.public)}`;
    const r = await run(storeCopy, ["--from", from, "--to", join(dir, "a"), src.top]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${src.top}\n`);
    const r2 = await run(storeCopy, ["--from", join(dir, "a"), "--to", join(dir, "b"), src.top]);
    assert.equal(r2.code, 0, r2.stderr);
    for (const p of src.closure) {
      const info = await run(storeInfo, [
        p,
        "--path-info-service-addr",
        `sqlite://${dir}/b/pathinfo.sqlite`,
        "--blob-service-addr",
        "memory://",
        "--directory-service-addr",
        "memory://",
      ]);
      assert.equal(info.code, 0, info.stderr);
      const narHash = /\nNarHash: (.*)\n/.exec(info.stdout)![1];
      assert.equal(narHash, await narHashIn(join(dir, "src"), p, src.home));
    }
  });

  it("refuses an untrusted cache and reports bad usage", async () => {
    const r = await run(storeCopy, [
      "--from",
      `nix+${server.url}?trusted-public-keys=other-1:${"A".repeat(43)}=`,
      "--to",
      join(dir, "c"),
      src.top,
    ]);
    assert.equal(r.code, 1);
    assert.equal((await run(storeCopy, [src.top])).code, 2);
    assert.equal(
      (await run(storeCopy, ["--from", server.url, "--frankenbuild", "maybe", src.top])).code,
      2,
    );
  });
});

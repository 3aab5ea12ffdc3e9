/**
 * `tvix store daemon` serving PathInfoService too: `tvix store import` through the daemon (NAR
 * hash computed by the daemon's CalculateNAR), then info and copy back out over gRPC.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import type { Command } from "../src/command.ts";
import { storeImport } from "../src/commands/store-import.ts";
import { storeInfo } from "../src/commands/store-inspect.ts";

const BIN = join(import.meta.dirname, "../src/bin.ts");

async function run(c: Command, args: string[]) {
  const out: Buffer[] = [];
  const stdout = new PassThrough();
  stdout.on("data", (d) => out.push(d));
  const code = (await c.run(args, { stdout, stderr: new PassThrough() })) ?? 0;
  return { code, stdout: Buffer.concat(out).toString() };
}

describe("tvix store daemon serves path infos", () => {
  let dir: string;
  let child: ReturnType<typeof spawn>;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "store-daemon-pi-"));
    child = spawn(process.execPath, [BIN, "store", "daemon", "--listen-address", "127.0.0.1:0"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, XDG_DATA_HOME: join(dir, "data") },
    });
    url = await new Promise<string>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`daemon did not start: ${err}`)), 15_000);
      child.stderr!.on("data", (d: Buffer) => {
        err += d;
        const m = /listening on (\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (c) => reject(new Error(`daemon exited with ${c}: ${err}`)));
    });
  });
  after(async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  });

  it("imports through the daemon and reads the PathInfo back", async () => {
    await writeFile(join(dir, "hello"), "hello daemon\n");
    const flags = [
      "--blob-service-addr",
      url,
      "--directory-service-addr",
      url,
      "--path-info-service-addr",
      url,
    ];
    const imp = await run(storeImport, [join(dir, "hello"), ...flags]);
    assert.equal(imp.code, 0);
    const p = imp.stdout.trim();
    assert.match(p, /^\/nix\/store\/[0-9a-z]{32}-hello$/);
    const info = await run(storeInfo, [p, ...flags]);
    assert.match(info.stdout, new RegExp(`^StorePath: ${p}\n`));
  });
});

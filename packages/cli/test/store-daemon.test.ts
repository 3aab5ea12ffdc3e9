/**
 * `tvix store daemon` as a real process: listening on a Unix socket and a TCP port at once,
 * serving blobs and directory closures to castore's gRPC clients, stopping cleanly on SIGTERM
 * and SIGINT with its stores intact, plus configuration errors and exit codes.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  blobServiceFromUrl,
  directoryServiceFromUrl,
  fixtures as fx,
  putClosure,
  readAll,
} from "@tvix-ts/castore";
import { normaliseListenAddress } from "../src/commands/store-daemon.ts";
import { main } from "../src/main.ts";

const BIN = join(import.meta.dirname, "../src/bin.ts");

interface Daemon {
  child: ChildProcess;
  urls: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Every daemon started, so a failing test cannot leave one running (and the file hanging). */
const started: ChildProcess[] = [];
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Starts the daemon and waits until it says where it listens (one line per address). */
async function startDaemon(args: string[], listening: number): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, "store", "daemon", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  started.push(child);
  let err = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const urls = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start: ${err}`)), 15_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      // Whole lines only: a pipe may deliver a line in two pieces.
      const found = [...err.matchAll(/listening on (\S+)\n/g)].map((m) => m[1]!);
      if (found.length === listening) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code}: ${err}`));
    });
  });
  return { child, urls, stderr: () => err, exited };
}

async function tvix(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const sink = (k: "stdout" | "stderr") =>
    ({
      write: (s: string) => {
        out[k] += s;
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const status = await main(args, { stdout: sink("stdout"), stderr: sink("stderr") });
  return { status, ...out };
}

describe("tvix store daemon", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tvix-daemon-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves blobs and closures on a Unix socket and a TCP port, stops on SIGTERM, keeps the data", async () => {
    const sock = join(dir, "castore.sock");
    const stores = [
      `--blob-service-addr=objectstore+file://${dir}/blobs`,
      `--directory-service-addr=sqlite://${dir}/dirs.sqlite`,
    ];
    const d = await startDaemon(
      ["--listen-address", `unix:${sock}`, "--listen-address", "127.0.0.1:0", ...stores],
      2,
    );
    const [unixUrl, tcpUrl] = d.urls;
    assert.equal(unixUrl, `grpc+unix://${sock}`);
    assert.match(tcpUrl!, /^grpc\+http:\/\/127\.0\.0\.1:\d+$/);

    // Write through the socket, read through TCP.
    const w = blobServiceFromUrl(unixUrl!).openWrite();
    await w.write(fx.BLOB_B);
    const digest = await w.close();
    assert.deepEqual(digest, fx.BLOB_B_DIGEST);
    const r = await blobServiceFromUrl(tcpUrl!).openRead(digest);
    assert.deepEqual(await readAll(r!), fx.BLOB_B);
    const root = await putClosure(directoryServiceFromUrl(unixUrl!), [
      fx.DIRECTORY_A,
      fx.DIRECTORY_B,
    ]);
    const got = [];
    for await (const x of directoryServiceFromUrl(tcpUrl!).getRecursive(root)) got.push(x.digest());
    assert.deepEqual(got, [fx.DIRECTORY_B.digest(), fx.DIRECTORY_A.digest()]);

    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0);
    assert.match(d.stderr(), /SIGTERM: finishing calls in flight/);
    assert.equal(existsSync(sock), false, "socket removed");

    // Same stores, new daemon (SIGINT this time): the data is still there.
    const d2 = await startDaemon(["--listen-address", `unix:${sock}`, ...stores], 1);
    const again = await blobServiceFromUrl(d2.urls[0]!).openRead(digest);
    assert.deepEqual(await readAll(again!), fx.BLOB_B);
    assert.ok(await directoryServiceFromUrl(d2.urls[0]!).get(fx.DIRECTORY_B.digest()));
    d2.child.kill("SIGINT");
    assert.equal(await d2.exited, 0);
  });

  it("serves the default entries of a composition file", async () => {
    const file = join(dir, "composition.toml");
    await writeFile(
      file,
      `
[blobservices.default]
type = "priority"
services = ["local"]
[blobservices.local]
type = "memory"
[directoryservices.default]
type = "sqlite"
is_temporary = true
[pathinfoservices.default]
type = "memory"
`,
    );
    const sock = join(dir, "comp.sock");
    const d = await startDaemon(["--listen-address", sock, "--store-composition", file], 1);
    assert.equal(d.urls[0], `grpc+unix://${sock}`);
    // The store's registry knows path infos: the daemon serves them instead of ignoring them.
    assert.doesNotMatch(d.stderr(), /ignoring pathinfoservices/);
    const w = blobServiceFromUrl(d.urls[0]!).openWrite();
    await w.write(fx.BLOB_A);
    assert.deepEqual(await w.close(), fx.BLOB_A_DIGEST);
    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0);
  });

  it("bad configuration: exit 1 with the reason; bad usage: exit 2", async () => {
    const bad = await tvix(["store", "daemon", "--blob-service-addr", "floppy://x"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /floppy/);
    const missing = await tvix(["store", "daemon", "--store-composition", join(dir, "nope.toml")]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read composition file/);
    const cycle = join(dir, "cycle.toml");
    await writeFile(cycle, `[blobservices.default]\ntype = "priority"\nservices = ["default"]\n`);
    const rec = await tvix(["store", "daemon", "--store-composition", cycle]);
    assert.equal(rec.status, 1);
    assert.match(rec.stderr, /recursion not allowed/);
    const both = await tvix([
      "store",
      "daemon",
      "--store-composition",
      cycle,
      "--blob-service-addr",
      "memory://",
    ]);
    assert.equal(both.status, 2);
    assert.equal((await tvix(["store", "daemon", "--listen-address", "nonsense"])).status, 2);
    assert.equal((await tvix(["store", "daemon", "extra"])).status, 2);
    const helpText = await tvix(["store", "daemon", "--help"]);
    assert.equal(helpText.status, 0);
    assert.match(helpText.stdout, /--listen-address ADDR/);
  });

  it("lets an upload in flight finish after SIGTERM", async () => {
    const d = await startDaemon(
      [
        "--listen-address",
        "127.0.0.1:0",
        "--blob-service-addr=memory://",
        "--directory-service-addr=memory://",
      ],
      1,
    );
    // One client (one HTTP/2 connection), connected before the signal; the upload is under way.
    const svc = blobServiceFromUrl(d.urls[0]!);
    await svc.has(fx.BLOB_A_DIGEST);
    const w = svc.openWrite();
    await w.write(fx.BLOB_B.subarray(0, 500_000));
    await new Promise((r) => setTimeout(r, 200));
    d.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await w.write(fx.BLOB_B.subarray(500_000));
    assert.deepEqual(await w.close(), fx.BLOB_B_DIGEST);
    assert.equal(await d.exited, 0);
  });

  it("an address in use is exit 1", async () => {
    const sock = join(dir, "busy.sock");
    const d = await startDaemon(
      [
        "--listen-address",
        `unix:${sock}`,
        "--blob-service-addr=memory://",
        "--directory-service-addr=memory://",
      ],
      1,
    );
    const second = spawn(
      process.execPath,
      [
        BIN,
        "store",
        "daemon",
        "--listen-address",
        `unix:${sock}`,
        "--blob-service-addr=memory://",
        "--directory-service-addr=memory://",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    second.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
    assert.equal(code, 1);
    assert.match(err, /address in use/);
    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0);
  });

  it("listen addresses", () => {
    assert.equal(normaliseListenAddress("/run/x.sock"), "unix:/run/x.sock");
    assert.equal(normaliseListenAddress("unix:/run/x.sock"), "unix:/run/x.sock");
    assert.equal(normaliseListenAddress("[::]:8000"), "[::]:8000");
    assert.equal(normaliseListenAddress("localhost:0"), "localhost:0");
    for (const bad of ["8000", "host:", "host:99999", "unix:", "[::1]"]) {
      assert.throws(() => normaliseListenAddress(bad), bad);
    }
  });
});

/**
 * `tvix nar dump|hash|ls|unpack`: exit codes and messages, listings of the conformance NARs,
 * unpacking safety (existing targets, truncated or invalid archives leave nothing behind, no
 * writes outside the target), and the parallel hasher used by `nar hash`.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { writeNar, writeNarSync, writeNarToSink } from "@tvix-ts/nix-compat";
import {
  conformanceDir,
  conformanceMissing,
  oracleSkip,
  runOk,
  runTvix,
} from "../../../test-support/index.ts";
import { fsNarNode, unpackNar } from "../src/fs-nar.ts";
import { main } from "../src/main.ts";
import { ParallelHasher } from "../src/parallel-hash.ts";

const narDir = conformanceDir("nix-compat/nar");
const te = new TextEncoder();

function str(s: string | Uint8Array): Uint8Array {
  const b = typeof s === "string" ? te.encode(s) : s;
  const out = new Uint8Array(8 + b.length + ((8 - (b.length % 8)) % 8));
  new DataView(out.buffer).setBigUint64(0, BigInt(b.length), true);
  out.set(b, 8);
  return out;
}
const nar = (...t: (string | Uint8Array)[]) =>
  Buffer.concat(t.map((x) => (typeof x === "string" ? str(x) : x)));

/** Runs `tvix ARGS` in this process (much faster than spawning; stdin is not available). */
async function tvix(args: string[]): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        into.push(Buffer.from(chunk));
        cb();
      },
    });
  const status = await main(args, { stdout: sink(out), stderr: sink(err) });
  return { status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

let dir = "";
before(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "tvix-nar-cli-"));
  fs.mkdirSync(join(dir, "tree/sub"), { recursive: true });
  fs.writeFileSync(join(dir, "tree/hello"), "Hello World!");
  fs.writeFileSync(join(dir, "tree/run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  fs.symlinkSync("../hello", join(dir, "tree/sub/link"));
  fs.writeFileSync(join(dir, "hello.txt"), "Hello World!");
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("tvix nar: usage and errors", () => {
  it("missing paths are errors with one line, exit 1", async () => {
    for (const args of [
      ["nar", "dump", "/no/such/path"],
      ["nar", "hash", "/no/such/path"],
      ["nar", "hash", "--flat", "/no/such/path"],
      ["nar", "ls", "/no/such.nar"],
      ["nar", "unpack", "/no/such.nar", join(dir, "never")],
    ]) {
      const r = await tvix(args);
      assert.equal(r.status, 1, args.join(" "));
      assert.match(r.stderr, /^error: .*No such file or directory\n$/, args.join(" "));
      assert.equal(r.stdout.length, 0);
    }
    // The real command, once: exit status and stderr of the process.
    const r = runTvix(["nar", "hash", "/no/such/path"]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^error: getting status of '\/no\/such\/path': No such file or directory\n$/,
    );
    assert.equal(runTvix(["nar", "hash", "--type", "sha384", "x"]).status, 2);
  });
  it("bad flags and arguments are usage errors, exit 2", async () => {
    for (const args of [
      ["nar", "dump"],
      ["nar", "dump", "a", "b"],
      ["nar", "dump", "--frob", "a"],
      ["nar", "hash"],
      ["nar", "hash", "--type", "sha384", "x"],
      ["nar", "hash", "--base16", "--base32", "x"],
      ["nar", "hash", "--type"],
      ["nar", "ls"],
      ["nar", "unpack", "x.nar"],
    ]) {
      const r = await tvix(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^tvix: .*\nTry 'tvix --help'/);
    }
  });
  it("dump and hash of a small tree", async () => {
    const dump = await tvix(["nar", "dump", join(dir, "hello.txt")]);
    assert.equal(dump.status, 0);
    assert.equal(dump.stdout.length, 128);
    assert.equal(
      createHash("sha256").update(dump.stdout).digest("hex"),
      "03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040",
    );
    const r = await tvix(["nar", "hash", join(dir, "hello.txt"), "--type", "sha256"]);
    assert.equal(r.stdout.toString(), "sha256-A+f2O+MLBl14vPYV9Uc1Rf2062mqQW9DSVtOBc37gEA=\n");
    const flat = await tvix(["nar", "hash", "--flat", "--base16", join(dir, "hello.txt")]);
    assert.equal(
      flat.stdout.toString(),
      "7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069\n",
    );
    const notFile = await tvix(["nar", "hash", "--flat", dir]);
    assert.equal(notFile.status, 1);
    assert.match(notFile.stderr, /is not a regular file/);
  });
  it("--flat agrees with nix-hash --flat", oracleSkip(), async () => {
    for (const algo of ["md5", "sha1", "sha256", "sha512"]) {
      const want = runOk("nix-hash", [
        "--flat",
        "--type",
        algo,
        "--base32",
        join(dir, "tree/run.sh"),
      ]);
      const r = await tvix([
        "nar",
        "hash",
        "--flat",
        "--type",
        algo,
        "--base32",
        join(dir, "tree/run.sh"),
      ]);
      assert.equal(r.stdout.toString(), want.toString());
    }
  });
});

describe("tvix nar: special files", () => {
  it("a socket is refused with a message naming it", async () => {
    const { createServer } = await import("node:net");
    const d = join(dir, "with-socket");
    fs.mkdirSync(d);
    fs.writeFileSync(join(d, "a"), "x");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(d, "sock"), resolve));
    try {
      for (const cmd of ["dump", "hash"]) {
        const r = await tvix(["nar", cmd, d]);
        assert.equal(r.status, 1);
        assert.match(
          r.stderr,
          /^error: file '.*\/with-socket\/sock' has an unsupported type: it is a socket\n$/,
        );
      }
    } finally {
      server.close();
    }
  });
});

describe("tvix nar ls", { skip: narDir ? false : conformanceMissing("nix-compat/nar") }, () => {
  it("prints the listing of the conformance NARs, from files and stdin", async () => {
    const r = await tvix(["nar", "ls", join(narDir!, "complicated.nar")]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout.toString(),
      `{"version":1,"root":{"type":"directory","entries":{".keep":{"type":"regular","size":0,"narOffset":232},"aa":{"type":"symlink","target":"/nix/store/somewhereelse"},"keep":{"type":"directory","entries":{".keep":{"type":"regular","size":0,"narOffset":760}}}}}}`,
    );
    const s = runTvix(["nar", "ls", "-", "--sorted-keys"], {
      input: fs.readFileSync(join(narDir!, "helloworld.nar")),
    });
    assert.equal(
      s.stdout.toString(),
      `{"root":{"narOffset":96,"size":12,"type":"regular"},"version":1}`,
    );
  });
  it("rejects invalid NARs with the reason and offset, exit 1", async () => {
    const b = fs.readFileSync(join(narDir!, "complicated.nar"));
    const f = join(dir, "truncated.nar");
    fs.writeFileSync(f, b.subarray(0, 500));
    const r = await tvix(["nar", "ls", f]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^error: .* is not a valid NAR: NAR is truncated: .*\(at NAR offset 500\)\n$/,
    );
    const g = join(dir, "garbage.nar");
    fs.writeFileSync(g, "garbage garbage garbage");
    assert.match((await tvix(["nar", "ls", g])).stderr, /not a NAR/);
  });
});

describe("tvix nar unpack", () => {
  it("unpacks, with executable bits and symlinks", async () => {
    const n = await collectBuf(writeNar(fsNarNode(join(dir, "tree"))));
    const f = join(dir, "tree.nar");
    fs.writeFileSync(f, n);
    const dest = join(dir, "unpacked");
    const r = await tvix(["nar", "unpack", f, dest]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(join(dest, "hello"), "utf8"), "Hello World!");
    assert.equal(fs.statSync(join(dest, "run.sh")).mode & 0o111, 0o111);
    assert.equal(fs.statSync(join(dest, "hello")).mode & 0o111, 0);
    assert.equal(fs.readlinkSync(join(dest, "sub/link")), "../hello");
    assert.ok((await collectBuf(writeNar(fsNarNode(dest)))).equals(n));
  });
  it("unpacks a root file and a root symlink", async () => {
    await unpackNar(
      [writeNarSync({ type: "regular", executable: true, contents: te.encode("x") })],
      join(dir, "rootfile"),
    );
    assert.equal(fs.readFileSync(join(dir, "rootfile"), "utf8"), "x");
    assert.equal(fs.statSync(join(dir, "rootfile")).mode & 0o100, 0o100);
    await unpackNar([writeNarSync({ type: "symlink", target: "nowhere" })], join(dir, "rootlink"));
    assert.equal(fs.readlinkSync(join(dir, "rootlink")), "nowhere");
  });
  it("refuses an existing target, leaving it untouched", async () => {
    const dest = join(dir, "exists");
    fs.mkdirSync(dest);
    fs.writeFileSync(join(dest, "keep"), "mine");
    const f = join(dir, "hello.nar");
    fs.writeFileSync(f, writeNarSync({ type: "regular", contents: te.encode("new") }));
    const r = await tvix(["nar", "unpack", f, dest]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: cannot unpack into '.*exists': it already exists\n$/);
    assert.deepEqual(fs.readdirSync(dest), ["keep"]);
    // A dangling symlink also counts as existing.
    fs.symlinkSync("nowhere", join(dir, "dangling"));
    assert.equal((await tvix(["nar", "unpack", f, join(dir, "dangling")])).status, 1);
  });
  it("leaves nothing behind on a truncated or invalid NAR", async () => {
    const area = join(dir, "area");
    fs.mkdirSync(area);
    const good = writeNarSync({
      type: "directory",
      entries: [
        { name: "a", node: { type: "regular", contents: new Uint8Array(100_000).fill(7) } },
        {
          name: "b",
          node: {
            type: "directory",
            entries: [{ name: "c", node: { type: "symlink", target: "x" } }],
          },
        },
        { name: "d", node: { type: "regular", contents: te.encode("tail") } },
      ],
    });
    for (const cut of [60, 200, 50_000, 100_200, good.length - 100, good.length - 1]) {
      await assert.rejects(unpackNar([good.subarray(0, cut)], join(area, "out")), /truncated/);
      assert.deepEqual(fs.readdirSync(area), [], `after cut ${cut}`);
    }
    const f = join(dir, "cut.nar");
    fs.writeFileSync(f, good.subarray(0, good.length - 8));
    const r = await tvix(["nar", "unpack", f, join(area, "out")]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: cannot unpack .*truncated/);
    assert.deepEqual(fs.readdirSync(area), []);
  });
  it("never writes outside the target, even for an archive that tries", async () => {
    const outside = join(dir, "outside");
    fs.mkdirSync(outside);
    const area = join(dir, "area2");
    fs.mkdirSync(area);
    // "a" is a symlink to `outside`, then a directory "a" with a file: refused as a duplicate
    // entry before anything is written through the link.
    const evil = nar(
      "nix-archive-1",
      "(",
      "type",
      "directory",
      "entry",
      "(",
      "name",
      "a",
      "node",
      "(",
      "type",
      "symlink",
      "target",
      outside,
      ")",
      ")",
      "entry",
      "(",
      "name",
      "a",
      "node",
      "(",
      "type",
      "directory",
      "entry",
      "(",
      "name",
      "pwned",
      "node",
      "(",
      "type",
      "regular",
      "contents",
      str("x"),
      ")",
      ")",
      ")",
      ")",
      ")",
    );
    await assert.rejects(unpackNar([evil], join(area, "out")), /unsorted|duplicate/);
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.deepEqual(fs.readdirSync(area), []);
    for (const bad of ["..", "a/b", "."]) {
      const n = nar(
        "nix-archive-1",
        "(",
        "type",
        "directory",
        "entry",
        "(",
        "name",
        bad,
        "node",
        "(",
        "type",
        "regular",
        "contents",
        str("x"),
        ")",
        ")",
        ")",
      );
      await assert.rejects(unpackNar([n], join(area, "out")), /entry name/);
      assert.deepEqual(fs.readdirSync(area), []);
    }
  });
});

describe("ParallelHasher", () => {
  const data = Buffer.alloc(5 * 1024 * 1024 + 123);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const algos = ["md5", "sha1", "sha256", "sha512"];
  const want = algos.map((a) => createHash(a).update(data).digest("hex"));
  const hex = (ds: Uint8Array[]) => ds.map((d) => Buffer.from(d).toString("hex"));

  it("small inputs are hashed inline (no worker needed)", async () => {
    const h = new ParallelHasher(algos);
    h.update(data.subarray(0, 1000));
    assert.deepEqual(
      hex(await h.digest()),
      algos.map((a) => createHash(a).update(data.subarray(0, 1000)).digest("hex")),
    );
  });
  it("large inputs go through the worker, wrapping around a small ring", async () => {
    const h = new ParallelHasher(algos, { slots: 3, slotSize: 64 * 1024 });
    for (let o = 0; o < data.length; o += 10_000) h.update(data.subarray(o, o + 10_000));
    assert.deepEqual(hex(await h.digest()), want);
  });
  it("an eager worker gives the same result", async () => {
    const h = new ParallelHasher(algos, { slots: 4, slotSize: 128 * 1024, eager: true });
    h.update(data);
    assert.deepEqual(hex(await h.digest()), want);
  });
  it("works as the NAR writer's sink", async () => {
    const tree = {
      type: "directory" as const,
      entries: [
        { name: "big", node: { type: "regular" as const, contents: data } },
        { name: "small", node: { type: "symlink" as const, target: "big" } },
      ],
    };
    const h = new ParallelHasher(["sha256"], { slots: 2, slotSize: 256 * 1024 });
    await writeNarToSink(tree, h);
    assert.equal(
      hex(await h.digest())[0],
      createHash("sha256").update(writeNarSync(tree)).digest("hex"),
    );
  });
});

async function collectBuf(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

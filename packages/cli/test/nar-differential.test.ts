/**
 * Differential tests against the oracle (Nix 2.8): 300+ random trees on disk, each dumped with
 * `nix-store --dump` and hashed with `nix-hash` / `nix hash path`, compared with tvix-ts
 * in-process for every tree (dump, hashes, listing and unpack) and through the `tvix` command
 * for a subset.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createHasher,
  digest,
  type HashAlgo,
  listNar,
  NixHash,
  parseNar,
  serializeListingEntry,
  writeNar,
  writeNarSync,
  writeNarToSink,
} from "@tvix-ts/nix-compat";
import { oracleSkip, run, runOk, runTvix } from "../../../test-support/index.ts";
import { fsNarNode, unpackNar } from "../src/fs-nar.ts";
import { Rng, writeDeepChain, writeRandomNode } from "./helpers/fs-trees.ts";

const N_TREES = 300;
const ALGOS: HashAlgo[] = ["md5", "sha1", "sha256", "sha512"];
const nixCmd = ["--extra-experimental-features", "nix-command"];

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Hashes of a NAR for all algorithms, going through the sink writer. */
async function sinkHashes(path: string): Promise<Map<HashAlgo, NixHash>> {
  const hs = ALGOS.map((a) => createHasher(a));
  const buf = new Uint8Array(4096);
  await writeNarToSink(
    fsNarNode(path),
    {
      swap(filled, used, min) {
        if (filled) for (const h of hs) h.update(filled.subarray(0, used));
        return min > buf.length ? new Uint8Array(min) : buf;
      },
      end(last, used) {
        for (const h of hs) h.update(last.subarray(0, used));
      },
    },
    { chunkSize: 4096 },
  );
  return new Map(ALGOS.map((a, i) => [a, new NixHash(a, hs[i]!.digest())]));
}

function str(s: string): Buffer {
  const b = Buffer.from(s);
  const out = Buffer.alloc(8 + b.length + ((8 - (b.length % 8)) % 8));
  out.writeBigUInt64LE(BigInt(b.length));
  b.copy(out, 8);
  return out;
}

/** Runs a program and resolves to its stdout (rejecting when it fails). */
function spawnOut(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`${cmd} ${args.join(" ")}: ${err}`)),
    );
  });
}

/** One hash per line from an oracle command given all paths at once. */
function oracleLines(cmd: string, args: string[]): string[] {
  return runOk(cmd, args).toString("utf8").trimEnd().split("\n");
}

describe("NAR differential tests against Nix 2.8", oracleSkip(), () => {
  let root = "";
  const trees: string[] = [];
  /** The oracle's NAR of each tree, and ours. */
  const dumps: Buffer[] = [];
  const ourDumps: Buffer[] = [];
  let parentDump: Buffer = Buffer.alloc(0);

  before(async () => {
    const t0 = performance.now();
    root = fs.mkdtempSync(join(tmpdir(), "tvix-nar-diff-"));
    fs.mkdirSync(join(root, "trees"));
    const rng = new Rng(20241024);
    for (let i = 0; i < N_TREES; i++) {
      // Zero-padded names: the parent directory's NAR lists them in this order.
      const p = join(root, "trees", `t${String(i).padStart(4, "0")}`);
      if (i % 50 === 7) writeDeepChain(rng, Buffer.from(p), rng.int(20, 40));
      else
        writeRandomNode(rng, Buffer.from(p), 0, {
          large: i % 25 === 3,
          maxDepth: i % 10 === 0 ? 10 : 5,
        });
      trees.push(p);
    }
    const t1 = performance.now();
    // The oracle's NAR of every tree. One `nix-store --dump` of the parent directory holds them
    // all: each tree's own NAR is the header (magic, "(", "type") followed by exactly the bytes
    // of its node inside the parent's NAR. Our lengths say where each node ends; the entry
    // framing around it is checked byte for byte, so a wrong length cannot go unnoticed.
    parentDump = await spawnOut("nix-store", ["--dump", join(root, "trees")]);
    const header = writeNarSync({ type: "directory", entries: [] }).subarray(0, 56);
    let o = 56 + 24; // magic, "(", "type", then "directory"
    for (let i = 0; i < trees.length; i++) {
      const ours = await collect(writeNar(fsNarNode(trees[i]!)));
      ourDumps.push(ours);
      const name = `t${String(i).padStart(4, "0")}`;
      const entryHead = Buffer.concat([
        str("entry"),
        str("("),
        str("name"),
        str(name),
        str("node"),
        str("("),
        str("type"),
      ]);
      assert.ok(
        parentDump.subarray(o, o + entryHead.length).equals(entryHead),
        `entry head of ${name}`,
      );
      o += entryHead.length;
      const body = parentDump.subarray(o, o + ours.length - 56);
      dumps.push(Buffer.concat([header, body]));
      o += body.length;
      assert.ok(parentDump.subarray(o, o + 16).equals(str(")")), `entry end of ${name}`);
      o += 16;
    }
    assert.ok(parentDump.subarray(o).equals(str(")")), "end of the parent NAR");
    if (process.env.TVIX_TEST_TIMING)
      console.error(
        `trees ${(t1 - t0).toFixed(0)} ms, dumps ${(performance.now() - t1).toFixed(0)} ms`,
      );
  });
  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it(`covers what it should (${N_TREES} trees)`, () => {
    const all = dumps.map((d) => parseNar(d));
    let files = 0;
    let exe = 0;
    let links = 0;
    let dirs = 0;
    let empty = 0;
    let large = 0;
    let nonUtf8 = 0;
    const dec = new TextDecoder("utf-8", { fatal: true });
    const visit = (n: ReturnType<typeof parseNar>) => {
      if (n.type === "regular") {
        files++;
        if (n.executable) exe++;
        if (n.contents.length === 0) empty++;
        if (n.contents.length > 1024 * 1024) large++;
      } else if (n.type === "symlink") links++;
      else {
        dirs++;
        for (const e of n.entries) {
          try {
            dec.decode(e.name);
          } catch {
            nonUtf8++;
          }
          visit(e.node);
        }
      }
    };
    for (const t of all) visit(t);
    assert.ok(trees.length >= 300);
    for (const [what, n] of Object.entries({ files, exe, links, dirs, empty, large, nonUtf8 }))
      assert.ok(n > 3, `only ${n} ${what}`);
  });

  it("in-process dump equals nix-store --dump, for every tree", async () => {
    for (let i = 0; i < trees.length; i++)
      assert.ok(ourDumps[i]!.equals(dumps[i]!), `tree ${trees[i]}: NARs differ`);
    // The whole parent directory, and standalone nix-store --dump of a sample of trees.
    assert.ok((await collect(writeNar(fsNarNode(join(root, "trees"))))).equals(parentDump));
    for (let i = 0; i < trees.length; i += 37)
      assert.ok(runOk("nix-store", ["--dump", trees[i]!]).equals(dumps[i]!), trees[i]);
  });

  it("the oracle's NARs re-serialise byte-identically", () => {
    for (const d of dumps) assert.ok(Buffer.from(writeNarSync(parseNar(d))).equals(d));
  });

  it("hashes equal nix-hash --type T [--base32] and nix hash path --sri, for every tree", async () => {
    const ours = [];
    for (const p of trees) ours.push(await sinkHashes(p));
    for (const algo of ALGOS) {
      const hex = oracleLines("nix-hash", ["--type", algo, ...trees]);
      const b32 = oracleLines("nix-hash", ["--type", algo, "--base32", ...trees]);
      const sri = oracleLines("nix", [
        ...nixCmd,
        "hash",
        "path",
        "--type",
        algo,
        "--sri",
        ...trees,
      ]);
      assert.equal(hex.length, trees.length);
      for (let i = 0; i < trees.length; i++) {
        const h: NixHash = ours[i]!.get(algo)!;
        assert.equal(h.toHex(), hex[i], `${algo} of ${trees[i]}`);
        assert.equal(h.toNixBase32(), b32[i], `${algo} base32 of ${trees[i]}`);
        assert.equal(h.toSri(), sri[i], `${algo} SRI of ${trees[i]}`);
      }
    }
  });

  it("tvix nar dump / nar hash (the command) agree with the oracle on a subset", () => {
    const subset = trees.filter((_, i) => i % 15 === 3 || i === 7);
    for (const p of subset.slice(0, 2)) {
      const r = runTvix(["nar", "dump", p]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.equals(dumps[trees.indexOf(p)]!), `tvix nar dump ${p}`);
    }
    const cases: [HashAlgo, string[], string, string[]][] = [
      ["sha256", ["--base16"], "nix-hash", []],
      ["md5", ["--base32"], "nix-hash", ["--base32"]],
      ["sha512", [], "nix", [...nixCmd, "hash", "path"]],
      ["sha1", ["--base64"], "nix", [...nixCmd, "hash", "path", "--base64"]],
    ];
    for (const [algo, flags, cmd, args] of cases) {
      const want = oracleLines(cmd, [...args, "--type", algo, ...subset]);
      const r = runTvix(["nar", "hash", "--type", algo, ...flags, ...subset]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        r.stdout.toString().trimEnd().split("\n"),
        want,
        `tvix nar hash --type ${algo} ${flags}`,
      );
    }
  });

  it("listings equal nix nar ls --json -R on a subset", async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), "tvix-nar-ls-"));
    try {
      for (let i = 0; i < trees.length; i += 20) {
        const f = join(dir, `${i}.nar`);
        fs.writeFileSync(f, dumps[i]!);
        const want = runOk("nix", [...nixCmd, "nar", "ls", "--json", "-R", f, "/"]);
        const l = await listNar(dumps[i]!);
        assert.ok(
          Buffer.from(serializeListingEntry(l.root)).equals(want),
          `listing of ${trees[i]}`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("unpacking the oracle's NAR recreates a tree it dumps identically", async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), "tvix-nar-unpack-"));
    try {
      const dests: string[] = [];
      for (let i = 0; i < trees.length; i += 2) {
        const dest = join(dir, `u${i}`);
        // In pieces, as a stream would deliver them.
        await unpackNar([dumps[i]!.subarray(0, 1000), dumps[i]!.subarray(1000)], dest);
        assert.ok(
          (await collect(writeNar(fsNarNode(dest)))).equals(dumps[i]!),
          `unpacked ${trees[i]}`,
        );
        dests.push(dest);
      }
      // nix-hash (the oracle's own dump) of every unpacked tree.
      const got = oracleLines("nix-hash", ["--type", "sha512", ...dests]);
      for (let k = 0; k < dests.length; k++)
        assert.equal(
          got[k],
          new NixHash("sha512", digest("sha512", dumps[2 * k]!)).toHex(),
          dests[k],
        );
      // Through the command, from a file and from stdin.
      const i = 1;
      const f = join(dir, `n${i}.nar`);
      fs.writeFileSync(f, dumps[i]!);
      let r = runTvix(["nar", "unpack", f, join(dir, `c${i}`)]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(runOk("nix-store", ["--dump", join(dir, `c${i}`)]).equals(dumps[i]!));
      r = runTvix(["nar", "unpack", "-", join(dir, `s${i}`)], { input: dumps[i]! });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(runOk("nix-store", ["--dump", join(dir, `s${i}`)]).equals(dumps[i]!));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("special files are refused, naming the path, like nix-store --dump", () => {
    const dir = fs.mkdtempSync(join(tmpdir(), "tvix-nar-fifo-"));
    try {
      fs.writeFileSync(join(dir, "ok"), "x");
      const made = spawnSync("mkfifo", [join(dir, "pipe")]);
      if (made.status !== 0) return;
      assert.notEqual(run("nix-store", ["--dump", dir]).status, 0);
      for (const args of [
        ["nar", "dump", dir],
        ["nar", "hash", dir],
      ]) {
        const r = runTvix(args);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^error: file '.*\/pipe' has an unsupported type: it is a FIFO\n$/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * castore import benchmark: importing (a) one large file and (b) 20,000 small files into castore,
 * against `nix-store --add` of the same trees and against the BLAKE3 limit (one core hashing the
 * same bytes in memory).
 *
 *   node bench/castore.ts [--size 1G] [--runs 3] [--trees single,small] [--kinds memory,…] [--keep]
 *                         [--fresh-fs]
 *
 * Columns: wall-clock median, CPU time (user + system, all threads; the machine may be shared,
 * and CPU time is the steadier number then) and its user-mode part (what the program itself
 * does, without the kernel's page faults, file creation and writes, which vary most between
 * runs on a shared VM), throughput, peak RSS, and ratios of the medians.
 *
 * The two "floor" rows are not imports but what one cannot avoid on this machine. "mkdir of the
 * shard dirs": creating the chunk shard directories (`chunks/b3/<first two digest bytes, hex>/`)
 * that the Tvix layout needs for this tree in a fresh store, and nothing else; with many small
 * files it is most of the objectstore import, and on some machines more than all of
 * nix-store --add. "filling fresh memory": writing the tree's size of memory the process has not
 * touched yet, on one thread, which `memory://` must do to hold the bytes; for a large file it
 * is well above 1.5 times the BLAKE3 limit.
 *
 * Backends: `memory://` (blobs and directories in memory) and `objectstore+file://` blobs with
 * `sqlite://` directories (what a local persistent store uses). Each measurement runs in a fresh
 * Node process (clean heap, its own peak RSS); the reported number is the median of --runs runs
 * after a warm-up run that also fills the page cache. `nix-store --add` writes into a throwaway
 * `--store` directory under .bench-data/, so /nix/store does not grow.
 *
 * The trees are generated once (AES-CTR keystream: incompressible, no repeated chunks) under
 * .bench-data/ (git-ignored). --size scales both: the large file is SIZE bytes, the small tree
 * has 20,000·SIZE/1GiB files of 0-8 KiB in 100-file directories.
 */
import { spawnSync } from "node:child_process";
import { createCipheriv } from "node:crypto";
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(import.meta.url);
const repoRoot = resolve(dirname(here), "..");
const dataDir = join(repoRoot, ".bench-data");

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size '${s}' (use e.g. 1G, 256M)`);
  const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase()]!;
  return Math.round(Number(m[1]) * mult);
}

/** Deterministic incompressible bytes. */
function keystream(seed: number) {
  const c = createCipheriv("aes-128-ctr", Buffer.alloc(16, seed), Buffer.alloc(16, 0));
  return (n: number) => c.update(Buffer.alloc(n));
}

function ensureSingle(size: number): string {
  const dir = join(dataDir, `castore-single-${size}`);
  const file = join(dir, "tree", "big.bin");
  if (fs.existsSync(join(dir, ".complete"))) return join(dir, "tree");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(join(dir, "tree"), { recursive: true });
  const next = keystream(1);
  const fd = fs.openSync(file, "w");
  for (let left = size; left > 0; left -= 1 << 24) fs.writeSync(fd, next(Math.min(left, 1 << 24)));
  fs.closeSync(fd);
  fs.writeFileSync(join(dir, ".complete"), "");
  return join(dir, "tree");
}

function ensureSmall(files: number): string {
  const dir = join(dataDir, `castore-small-${files}`);
  if (fs.existsSync(join(dir, ".complete"))) return join(dir, "tree");
  fs.rmSync(dir, { recursive: true, force: true });
  const next = keystream(2);
  const sizes = next(files * 2);
  for (let i = 0; i < files; i++) {
    const sub = join(dir, "tree", `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(sub, { recursive: true });
    const size = sizes.readUInt16LE(i * 2) % 8193;
    fs.writeFileSync(join(sub, `f${i}`), next(size), { mode: i % 37 === 0 ? 0o755 : 0o644 });
  }
  fs.writeFileSync(join(dir, ".complete"), "");
  return join(dir, "tree");
}

/** Calls `visit` for each file under `root` (names in order, depth first). */
function eachFile(root: string, visit: (path: string, st: fs.Stats) => void): void {
  const st = fs.lstatSync(root);
  if (st.isDirectory()) for (const n of fs.readdirSync(root).sort()) eachFile(join(root, n), visit);
  else visit(root, st);
}

function treeStats(root: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  eachFile(root, (_, st) => {
    files++;
    bytes += st.size;
  });
  return { bytes, files };
}

interface Measurement {
  ms: number;
  /** CPU time (user + system, all threads) of the measured part, when known. */
  cpuMs?: number;
  /** The user-mode part of it (the rest is kernel time: page faults, file creation, writes). */
  userMs?: number;
  rssMiB: number;
}

/**
 * Where runs write: a new directory per run, all removed at the end. Removing each run's output
 * before the next run made that run slower: this VM's ext4 has no journal, and then creating a
 * file skips over every inode of its block group deleted in the last minutes (`recently_deleted`
 * in the kernel), one lookup each, so thousands of fresh deletes made each file creation cost
 * up to a millisecond — for every writer of many files, nix-store's small-file tree included.
 * The outputs of a 1 GiB run take about 1 GiB of disk each until then. The root is marked as
 * a top of directory hierarchies (`chattr +T`, when possible), so ext4 puts each run's
 * directory into a different block group, away from what was deleted recently (by an earlier
 * bench, or anyone else).
 */
const workRoot = join(dataDir, "castore-work");
let workRuns = 0;

/**
 * `--fresh-fs`: every run writes into a newly made ext4 on a RAM-backed loop device instead,
 * so that no run inherits the state (recently deleted inodes, pending discards, fragmentation)
 * that earlier runs, or anyone else, left on the machine's disk; results then move by a few
 * percent instead of tens. Needs root, `mkfs.ext4` and room in /dev/shm (three times the
 * largest tree). Measures ext4's code paths, not the disk's latency.
 */
let freshFs: { readonly image: string; readonly mount: string; readonly bytes: number } | undefined;

function remakeFreshFs(): string {
  const f = freshFs!;
  spawnSync("umount", [f.mount]);
  fs.rmSync(f.image, { force: true });
  fs.writeFileSync(f.image, "");
  fs.truncateSync(f.image, f.bytes);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) {
      throw new Error(`--fresh-fs: ${cmd} ${args.join(" ")} failed: ${r.stderr || r.error}`);
    }
  };
  run("mkfs.ext4", ["-q", "-F", f.image]);
  fs.mkdirSync(f.mount, { recursive: true });
  run("mount", ["-o", "loop", f.image, f.mount]);
  return join(f.mount, "w");
}

/**
 * Runs one measurement in a fresh process. Dirty pages of earlier runs are written back first
 * (`sync`, not timed): kept outputs would otherwise be written back during later runs, or
 * throttle their writers.
 */
function child(kind: string, tree: string): Measurement {
  const work = freshFs ? remakeFreshFs() : join(workRoot, String(workRuns++));
  fs.mkdirSync(work, { recursive: true });
  spawnSync("sync");
  {
    if (kind === "nix-store") {
      // GNU time (when installed) reports the CPU time and peak RSS of nix-store itself.
      const timed = fs.existsSync("/usr/bin/time");
      const cmd = ["nix-store", "--store", join(work, "nix"), "--add", tree];
      const t0 = performance.now();
      const r = timed
        ? spawnSync("/usr/bin/time", ["-f", "TIME %U %S %M", ...cmd], { encoding: "utf8" })
        : spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8" });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`nix-store --add failed: ${r.stderr}`);
      const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
      return m
        ? {
            ms,
            cpuMs: (Number(m[1]) + Number(m[2])) * 1000,
            userMs: Number(m[1]) * 1000,
            rssMiB: Number(m[3]) / 1024,
          }
        : { ms, rssMiB: Number.NaN };
    }
    const r = spawnSync(process.execPath, [here, "--child", kind, tree, work], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`child ${kind} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measurement;
  }
}

/** In the child: one import (or the hashing limit), timed. */
async function runChild(kind: string, tree: string, work: string): Promise<void> {
  const castore = await import("../packages/castore/src/index.ts");
  let ms: number;
  let cpu0 = process.cpuUsage();
  if (kind === "blake3") {
    // The limit: one core hashing the same bytes, already in memory.
    const files: Buffer[] = [];
    eachFile(tree, (p) => files.push(fs.readFileSync(p)));
    cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const f of files) {
      const h = castore.createBlake3();
      for (let o = 0; o < f.length; o += 1 << 24) h.update(f.subarray(o, o + (1 << 24)));
      h.digest();
    }
    ms = performance.now() - t0;
  } else if (kind === "fresh") {
    // What `memory://` cannot avoid: the tree's bytes in memory the process has not touched
    // yet (page faults and zeroing by the kernel), written once, on one thread.
    const { bytes } = treeStats(tree);
    cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const mem = Buffer.allocUnsafeSlow(bytes);
    mem.fill(1);
    ms = performance.now() - t0;
  } else if (kind === "shards") {
    // The floor of the Tvix objectstore layout (castore-store.md §3.3): every chunk lives in a
    // directory named by its digest's first two bytes, so a fresh store must first create one
    // directory per distinct prefix, all in one parent (whose lock makes them one at a time).
    // Timed: only those mkdirs, on the same filesystem as the imports.
    const prefixes = new Set<string>();
    const add = (chunk: Uint8Array) =>
      prefixes.add(castore.digestToHex(castore.blake3(chunk)).slice(0, 4));
    const buf = Buffer.allocUnsafe(1 << 22);
    eachFile(tree, (p, st) => {
      if (st.size === 0) return;
      const chunker = new castore.StreamChunker();
      const fd = fs.openSync(p, "r");
      for (;;) {
        const n = fs.readSync(fd, buf);
        if (n === 0) break;
        for (const c of chunker.push(buf.subarray(0, n))) add(c);
      }
      fs.closeSync(fd);
      for (const c of chunker.finish()) add(c);
    });
    const parent = join(work, "chunks", "b3");
    fs.mkdirSync(parent, { recursive: true });
    cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const prefix of prefixes) fs.mkdirSync(join(parent, prefix));
    ms = performance.now() - t0;
  } else {
    const [blobs, dirs] =
      kind === "memory"
        ? [castore.blobServiceFromUrl("memory://"), castore.directoryServiceFromUrl("memory://")]
        : [
            castore.blobServiceFromUrl(`objectstore+file://${work}/blobs`),
            castore.directoryServiceFromUrl(`sqlite://${work}/dirs.sqlite`),
          ];
    const t0 = performance.now();
    await castore.ingestPath(blobs, dirs, tree);
    ms = performance.now() - t0;
    await dirs.close();
    await blobs.close();
  }
  const cpu = process.cpuUsage(cpu0);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000, rssMiB }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  const size = parseSize(arg("--size", "1G"));
  const runs = Math.max(1, Number(arg("--runs", "3")));
  const nixStore = spawnSync("nix-store", ["--version"]).status === 0;
  // For quick iterations: --trees single,small and --kinds memory,objectstore,nix-store pick a
  // subset (the BLAKE3 limit is always measured: the ratios need it).
  const pick = (name: string) =>
    new Set(
      arg(name, "")
        .split(",")
        .filter((x) => x !== ""),
    );
  const treeSet = pick("--trees");
  const kindSet = pick("--kinds");
  const small = Math.max(100, Math.round((20000 * size) / 2 ** 30));
  const trees = [
    ...(treeSet.size === 0 || treeSet.has("single")
      ? [{ name: `1 file of ${(size / 2 ** 20).toFixed(0)} MiB`, path: ensureSingle(size) }]
      : []),
    ...(treeSet.size === 0 || treeSet.has("small")
      ? [{ name: `${small} small files`, path: ensureSmall(small) }]
      : []),
  ];
  const kinds = (
    [
      ["blake3", "BLAKE3 limit (1 core, in memory)"],
      ["memory", "tvix-ts memory://"],
      ["fresh", "  floor: filling fresh memory"],
      ["objectstore", "tvix-ts objectstore+file + sqlite"],
      ["shards", "  floor: mkdir of the shard dirs"],
      ...(nixStore ? [["nix-store", "nix-store --add (Nix 2.8)"] as const] : []),
    ] as const
  ).filter(
    ([k]) =>
      k === "blake3" ||
      kindSet.size === 0 ||
      kindSet.has(k) ||
      (k === "shards" && kindSet.has("objectstore")) ||
      (k === "fresh" && kindSet.has("memory")),
  );
  console.log(`runs: ${runs} (median), warm page cache${nixStore ? "" : "; nix-store not found"}`);
  // Outputs of an earlier run are moved aside and deleted after measuring (deleting slows file
  // creation for the next minutes); --keep leaves this run's until the next run.
  const earlier = `${workRoot}.old`;
  if (fs.existsSync(workRoot) && !fs.existsSync(earlier)) fs.renameSync(workRoot, earlier);
  fs.rmSync(workRoot, { recursive: true, force: true });
  fs.mkdirSync(workRoot, { recursive: true });
  spawnSync("chattr", ["+T", workRoot]);
  if (argv.includes("--fresh-fs")) {
    if (process.getuid?.() !== 0) throw new Error("--fresh-fs needs root (mount, losetup)");
    const largest = Math.max(...trees.map((t) => treeStats(t.path).bytes));
    freshFs = {
      image: "/dev/shm/tvix-bench-castore.img",
      mount: join(dataDir, "castore-fresh-fs"),
      bytes: 3 * largest + 512 * 2 ** 20,
    };
    console.log(
      `each run on a fresh ext4 (${(freshFs.bytes / 2 ** 30).toFixed(1)} GiB in /dev/shm)`,
    );
  }
  try {
    await measure(trees, kinds, runs);
  } finally {
    if (freshFs) {
      spawnSync("umount", [freshFs.mount]);
      fs.rmSync(freshFs.image, { force: true });
    }
    if (!argv.includes("--keep")) fs.rmSync(workRoot, { recursive: true, force: true });
    fs.rmSync(earlier, { recursive: true, force: true });
  }
}

async function measure(
  trees: readonly { name: string; path: string }[],
  kinds: readonly (readonly [string, string])[],
  runs: number,
): Promise<void> {
  for (const tree of trees) {
    const { bytes, files } = treeStats(tree.path);
    console.log(`\n${tree.name} (${(bytes / 2 ** 20).toFixed(1)} MiB, ${files} files)`);
    console.log(
      `${"".padEnd(36)} ${"median s".padStart(9)} ${"cpu s".padStart(7)} ${"user s".padStart(7)} ${"MB/s".padStart(8)} ${"files/s".padStart(9)} ${"peak RSS".padStart(9)} ${"vs nix".padStart(7)} ${"vs b3".padStart(6)}`,
    );
    // Runs take turns (kind after kind, round after round): on a shared machine the load
    // changes over time, and this spreads its changes over all kinds alike.
    for (const [kind] of kinds) child(kind, tree.path); // warm-up
    const all = new Map<string, Measurement[]>(kinds.map(([k]) => [k, []]));
    for (let i = 0; i < runs; i++) {
      for (const [kind] of kinds) all.get(kind)!.push(child(kind, tree.path));
    }
    const results = new Map<string, Measurement>();
    for (const [kind, ms] of all) {
      const cpu = ms.flatMap((m) => (m.cpuMs === undefined ? [] : [m.cpuMs]));
      const user = ms.flatMap((m) => (m.userMs === undefined ? [] : [m.userMs]));
      results.set(kind, {
        ms: median(ms.map((m) => m.ms)),
        cpuMs: cpu.length > 0 ? median(cpu) : undefined,
        userMs: user.length > 0 ? median(user) : undefined,
        rssMiB: Math.max(...ms.map((m) => m.rssMiB)),
      });
    }
    for (const [kind, label] of kinds) {
      const m = results.get(kind)!;
      const s = m.ms / 1000;
      const nix = results.get("nix-store");
      const b3 = results.get("blake3")!;
      console.log(
        `${label.padEnd(36)} ${s.toFixed(3).padStart(9)} ${(m.cpuMs === undefined ? "-" : (m.cpuMs / 1000).toFixed(3)).padStart(7)} ${(m.userMs === undefined ? "-" : (m.userMs / 1000).toFixed(3)).padStart(7)} ${(bytes / 1e6 / s).toFixed(0).padStart(8)} ${(files / s).toFixed(0).padStart(9)} ${(Number.isNaN(m.rssMiB) ? "-" : `${m.rssMiB.toFixed(0)}M`).padStart(9)} ${(nix ? `${(m.ms / nix.ms).toFixed(2)}x` : "-").padStart(7)} ${`${(m.ms / b3.ms).toFixed(2)}x`.padStart(6)}`,
      );
    }
  }
}

if (process.argv[1] === here) {
  if (process.argv[2] === "--child") {
    await runChild(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  } else {
    await run();
  }
}

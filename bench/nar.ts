/**
 * NAR benchmark: hashing a ~1 GiB tree of ~20k files (mostly small, some large) with tvix-ts
 * against Nix 2.8.
 *
 *   node bench/nar.ts [--size 1G] [--runs 5]
 *
 * Rows (medians of --runs runs, after one warm-up run that also fills the page cache):
 *   tvix nar hash --base16 TREE        vs  nix-hash --type sha256 TREE
 *   in-process dump+sha256 (library)   vs  nix-store --dump TREE | sha256sum
 * plus the peak RSS of our processes. The tree is generated once with a seeded PRNG and cached in
 * .bench-data/ (git-ignored); --size scales both bytes and file count (20k files per GiB).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = join(repoRoot, ".bench-data");
const tvixBin = join(repoRoot, "packages", "cli", "src", "bin.ts");

/** xorshift128+-style PRNG, deterministic across runs. */
class Rng {
  private a: number;
  private b: number;
  constructor(seed: number) {
    this.a = seed | 0 || 1;
    this.b = (seed * 2654435761) | 0 || 2;
  }
  next(): number {
    let s1 = this.a;
    const s0 = this.b;
    this.a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0;
    s1 ^= s0 >>> 26;
    this.b = s1;
    return ((this.a + this.b) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size '${s}' (use e.g. 1G, 256M)`);
  const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase()]!;
  return Math.round(Number(m[1]) * mult);
}

/**
 * Creates (once) the benchmark tree for `totalBytes`: ~20k files per GiB in nested directories;
 * ~99.5% small files (0-64 KiB, skewed small) and a few 2-16 MiB files carrying most bytes,
 * some executables and symlinks.
 */
export function ensureTree(totalBytes: number): string {
  const dir = join(dataDir, `nar-tree-${totalBytes}`);
  const stamp = join(dir, ".complete");
  if (fs.existsSync(stamp)) return join(dir, "tree");
  fs.rmSync(dir, { recursive: true, force: true });
  const root = join(dir, "tree");
  fs.mkdirSync(root, { recursive: true });
  const rng = new Rng(0x5eed);
  const nFiles = Math.max(50, Math.round((20000 * totalBytes) / 1024 ** 3));
  const nLarge = Math.max(1, Math.round(nFiles / 200));
  // Pseudo-random but cheap content: a 1 MiB random block, sliced at random offsets.
  const block = Buffer.alloc(1024 * 1024 + 65536);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((rng.next() * 2 ** 32) >>> 0, i);
  const dirs: string[] = [root];
  let written = 0;
  const smallSizes: number[] = [];
  for (let i = 0; i < nFiles - nLarge; i++) {
    const r = rng.next();
    smallSizes.push(Math.floor(r * r * r * 65536));
  }
  const smallTotal = smallSizes.reduce((a, b) => a + b, 0);
  const largeEach = Math.max(0, Math.floor((totalBytes - smallTotal) / nLarge));
  for (let i = 0; i < nFiles; i++) {
    if (i % 50 === 0) {
      const parent = dirs[rng.int(Math.max(0, dirs.length - 20), dirs.length - 1)]!;
      const d = join(parent, `dir-${i}`);
      fs.mkdirSync(d);
      dirs.push(d);
    }
    const d = dirs[dirs.length - 1 - rng.int(0, Math.min(3, dirs.length - 1))]!;
    const large = i % Math.floor(nFiles / nLarge) === 0 && i / Math.floor(nFiles / nLarge) < nLarge;
    const size = large
      ? rng.int(Math.floor(largeEach / 2), Math.floor((largeEach * 3) / 2))
      : smallSizes.pop()!;
    const p = join(d, `file-${i}${large ? ".bin" : ".txt"}`);
    const fd = fs.openSync(p, "w", rng.next() < 0.05 ? 0o755 : 0o644);
    for (let o = 0; o < size; o += 1024 * 1024) {
      const n = Math.min(1024 * 1024, size - o);
      const off = rng.int(0, 65535);
      fs.writeSync(fd, block, off, n);
    }
    fs.closeSync(fd);
    written += size;
    if (i % 100 === 7) fs.symlinkSync(`file-${i}${large ? ".bin" : ".txt"}`, join(d, `link-${i}`));
  }
  fs.writeFileSync(stamp, `${written} bytes in ${nFiles} files\n`);
  return root;
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Sample {
  ms: number;
  /** User + system CPU time in ms, when known (all threads). */
  cpuMs?: number;
  /** Peak RSS in KiB, when known. */
  rssKb?: number;
  out: string;
}

const hasGnuTime = fs.existsSync("/usr/bin/time");

/** Runs a command, timing it (and its peak RSS through GNU time when available). */
function timeCommand(cmd: string, args: string[]): Sample {
  const t = performance.now();
  const r = hasGnuTime
    ? spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...args], { maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { maxBuffer: 1 << 26 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  const err = r.stderr.toString().trim().split("\n");
  if (!hasGnuTime) return { ms, out: r.stdout.toString().trim() };
  const [rss, user, sys] = err[err.length - 1]!.split(" ").map(Number);
  return { ms, cpuMs: (user! + sys!) * 1000, rssKb: rss, out: r.stdout.toString().trim() };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * In a child process (`node bench/nar.ts --child MODE TREE`): one in-process run, printed as
 * JSON {ms, rssKb, hash}. MODE "writer" = writeNar + node:crypto sha256 on this thread;
 * "sink" = writeNarToSink into the two-thread hasher that `tvix nar hash` uses.
 */
async function child(mode: string, tree: string): Promise<void> {
  const nc = await import("@tvix-ts/nix-compat");
  const { fsNarNode } = await import("../packages/cli/src/fs-nar.ts");
  const t = performance.now();
  let hex: string;
  if (mode === "writer") {
    const h = createHash("sha256");
    for await (const c of nc.writeNar(fsNarNode(tree), { chunkSize: 1 << 20, reuseBuffers: true }))
      h.update(c);
    hex = h.digest("hex");
  } else {
    const { ParallelHasher } = await import("../packages/cli/src/parallel-hash.ts");
    const h = new ParallelHasher(["sha256"], { eager: true });
    await nc.writeNarToSink(fsNarNode(tree), h);
    hex = Buffer.from((await h.digest())[0]!).toString("hex");
  }
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, rssKb: process.resourceUsage().maxRSS, hash: hex }));
}

function inProcess(mode: string, tree: string): Sample & { inner: number } {
  const s = timeCommand(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, tree]);
  const j = JSON.parse(s.out) as { ms: number; rssKb: number; hash: string };
  return { ms: s.ms, cpuMs: s.cpuMs, inner: j.ms, rssKb: j.rssKb, out: j.hash };
}

function nixAvailable(): boolean {
  return spawnSync("nix-hash", ["--version"]).status === 0;
}

export interface NarBenchRow {
  workload: string;
  /** Median wall-clock times and their ratio (tvix / nix). */
  tvixMs: number;
  nixMs: number | undefined;
  ratio: number | undefined;
  /** Median CPU time (user + system, all threads) and its ratio. */
  tvixCpuMs: number | undefined;
  nixCpuMs: number | undefined;
  cpuRatio: number | undefined;
  tvixPeakRssMb: number | undefined;
  nix: string;
}

export interface NarBenchOptions {
  /** Tree size in bytes (default 1 GiB). */
  size?: number;
  /** Measured runs per workload (default 5), after one warm-up run. */
  runs?: number;
}

export async function run(opts: NarBenchOptions = {}): Promise<NarBenchRow[]> {
  const size = opts.size ?? 1024 ** 3;
  const runs = opts.runs ?? 5;
  const tree = ensureTree(size);
  const info = fs.readFileSync(join(dirname(tree), ".complete"), "utf8").trim();
  const nix = nixAvailable();
  console.log(`NAR benchmark: ${info} (${tree}); medians of ${runs} runs after a warm-up`);
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log(
    `load average before: ${load()} (${os.cpus().length} CPUs; other load skews both sides)`,
  );
  if (!nix) console.log("*** Nix (the oracle) is not installed: Nix columns are empty ***");

  type Pair = { name: string; nixName: string; ours: () => Sample; theirs?: () => Sample };
  const pairs: Pair[] = [
    {
      name: "tvix nar hash --base16 TREE",
      nixName: "nix-hash --type sha256 TREE",
      ours: () => timeCommand(process.execPath, [tvixBin, "nar", "hash", "--base16", tree]),
      theirs: nix ? () => timeCommand("nix-hash", ["--type", "sha256", tree]) : undefined,
    },
    {
      name: "in-process writeNar + sha256 (1 thread)",
      nixName: "nix-store --dump TREE | sha256sum",
      ours: () => inProcess("writer", tree),
      theirs: nix
        ? () => {
            const s = timeCommand("sh", ["-c", 'nix-store --dump "$0" | sha256sum', tree]);
            return { ...s, out: s.out.split(" ")[0]! };
          }
        : undefined,
    },
    {
      name: "in-process writeNarToSink + 2-thread hasher",
      nixName: "nix-hash --type sha256 TREE",
      ours: () => inProcess("sink", tree),
      theirs: nix ? () => timeCommand("nix-hash", ["--type", "sha256", tree]) : undefined,
    },
  ];

  const rows: NarBenchRow[] = [];
  for (const p of pairs) {
    // Warm-up (page cache), and a correctness check.
    const o = p.ours();
    const t = p.theirs?.();
    if (t && t.out !== o.out) throw new Error(`${p.name}: hash ${o.out} but Nix says ${t.out}`);
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so that load from elsewhere affects both sides alike.
      ours.push(p.ours());
      if (p.theirs) theirs.push(p.theirs());
    }
    const tvixMs = median(ours.map((s) => s.ms));
    const nixMs = theirs.length ? median(theirs.map((s) => s.ms)) : undefined;
    const rss = ours.map((s) => s.rssKb).filter((x): x is number => x !== undefined);
    const cpu = (xs: Sample[]) => {
      const c = xs.map((s) => s.cpuMs).filter((x): x is number => x !== undefined);
      return c.length ? median(c) : undefined;
    };
    const tvixCpuMs = cpu(ours);
    const nixCpuMs = cpu(theirs);
    rows.push({
      workload: p.name,
      tvixMs,
      nixMs,
      ratio: nixMs ? tvixMs / nixMs : undefined,
      tvixCpuMs,
      nixCpuMs,
      cpuRatio: tvixCpuMs && nixCpuMs ? tvixCpuMs / nixCpuMs : undefined,
      tvixPeakRssMb: rss.length ? Math.max(...rss) / 1024 : undefined,
      nix: p.nixName,
    });
  }

  const fmt = (x: number | undefined, d = 0) => (x === undefined ? "-" : x.toFixed(d));
  const head = [
    "workload (tvix-ts)",
    "tvix ms",
    "nix ms",
    "ratio",
    "tvix CPU ms",
    "nix CPU ms",
    "CPU ratio",
    "tvix peak RSS MB",
    "compared with",
  ];
  const table = rows.map((r) => [
    r.workload,
    fmt(r.tvixMs),
    fmt(r.nixMs),
    fmt(r.ratio, 2),
    fmt(r.tvixCpuMs),
    fmt(r.nixCpuMs),
    fmt(r.cpuRatio, 2),
    fmt(r.tvixPeakRssMb),
    r.nix,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const last = head.length - 1;
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ");
  console.log(line(head));
  for (const row of table) console.log(line(row));
  console.log(`load average after: ${load()}`);
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv[0] === "--child") await child(argv[1]!, argv[2]!);
  else {
    const size = arg("--size");
    const runs = arg("--runs");
    await run({
      size: size ? parseSize(size) : undefined,
      runs: runs ? Number(runs) : undefined,
    });
  }
}

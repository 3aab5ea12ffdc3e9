/**
 * Parser benchmark against `nix-instantiate --parse` (Nix 2.8) on the same files:
 *
 * - corpus: every conformance `.nix` file that parses, wrapped into one list and repeated to
 *   about 4 MB;
 * - generated: a 20 MB file shaped like Nixpkgs' generated package sets (hackage-packages.nix):
 *   one big `self: { ... }` of package functions with formals, attribute sets, lists, strings,
 *   interpolations, URLs and paths.
 *
 * For each it reports CPU time and throughput of our parse + print (cold: first run in a fresh
 * process; warm: after a warm-up), of the whole `tvix eval --parse FILE`, and of
 * `nix-instantiate --parse FILE` (also net of its start-up), with ratios tvix / nix (goal
 * <= 1.0), and checks that the outputs agree. Process start-up is measured separately (`-E 1`).
 * CPU time rather than wall time, because the machines this runs on are often shared.
 *
 *   node bench/parse.ts [--runs 5] [--mb 20]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, printParseBytes, Source } from "../packages/eval/src/parse-api.ts";
import { printMatching } from "../packages/eval/test/support/parse-oracle.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = resolve(process.env.TVIX_SHARED ?? join(repoRoot, "..", "shared"));
const tvixBin = join(repoRoot, "packages", "cli", "src", "bin.ts");
const home = process.env.HOME ?? "/homeless-shelter";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function nixFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...nixFiles(p));
    else if (name.endsWith(".nix")) out.push(p);
  }
  return out.sort();
}

/** All conformance files that parse, as one list expression, repeated to about `bytes`. */
export function conformanceCorpus(bytes: number): Buffer | null {
  let files: string[];
  try {
    files = nixFiles(join(shared, "conformance"));
  } catch {
    return null;
  }
  const parts: Buffer[] = [];
  for (const f of files) {
    const b = readFileSync(f);
    if (parse(new Source(b, f), { basePath: dirname(f), home }).errors.length > 0) continue;
    parts.push(Buffer.from("(\n"), b, Buffer.from("\n)\n"));
  }
  const one = Buffer.concat(parts);
  const copies = Math.max(1, Math.round(bytes / one.length));
  return Buffer.concat([Buffer.from("[\n"), ...Array(copies).fill(one), Buffer.from("]\n")]);
}

/** A deterministic Nixpkgs-style generated package set of about `bytes`. */
export function generatedPackageSet(bytes: number): Buffer {
  let s = 0x2545f491;
  const rnd = (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const words = ["base", "text", "aeson", "lens", "mtl", "containers", "bytestring", "vector"];
  const w = () => `${words[rnd(words.length)]}${rnd(50) === 0 ? "" : `-${rnd(1000)}`}`;
  const hex = () => {
    let h = "";
    for (let i = 0; i < 52; i++) h += "0123456789abcdfghijklmnpqrsvwxyz"[rnd(32)];
    return h;
  };
  const chunks: string[] = [
    "/* Generated package set (benchmark input). */\n{ pkgs, lib, callPackage }:\n\nself: {\n",
  ];
  let size = chunks[0].length;
  for (let i = 0; size < bytes; i++) {
    const name = `pkg-${i}-${w()}`;
    const deps = Array.from({ length: 1 + rnd(8) }, w);
    const uniq = [...new Set(deps.map((d) => d.replace(/-\d+$/, "")))];
    const formals = [...new Set(["mkDerivation", "fetchurl", "stdenv", "base", ...uniq])];
    const entry = `  "${name}" = callPackage
    ({ ${formals.join(", ")} }:
     mkDerivation rec {
       pname = "${name}";
       version = "${rnd(10)}.${rnd(20)}.${rnd(100)}";
       src = fetchurl {
         url = "https://hackage.haskell.org/package/\${pname}-\${version}.tar.gz";
         sha256 = "${hex()}";
       };
       isLibrary = ${rnd(2) ? "true" : "false"};
       libraryHaskellDepends = [ ${uniq.join(" ")} ];
       testHaskellDepends = [ ${uniq.slice(0, 2).join(" ")} ] ++ lib.optionals stdenv.isLinux [ base ];
       doCheck = ${rnd(3) === 0 ? "false" : '!stdenv.isDarwin && version != "0.0.0"'};
       configureFlags = [ "--enable-${w()}" "-f${w()}" ];
       postPatch = ''
         substituteInPlace ${w()}.cabal \\
           --replace "base < ${rnd(5)}" "base"
       '';
       homepage = "https://github.com/${w()}/${name}#readme";
       description = "A ${w()} library for ${w()} (${i})";
       license = lib.licenses.bsd3;
       hydraPlatforms = lib.platforms.none;
       broken = ${rnd(5) === 0 ? "true" : "false"};
       priority = ${rnd(1000) / 10 + 0.5};
     }) {};
`;
    chunks.push(entry);
    size += entry.length;
  }
  chunks.push("}\n");
  return Buffer.from(chunks.join(""));
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Runs a command with stdout discarded; wall and CPU (user + system) seconds via /usr/bin/time. */
function timed(cmd: string, args: string[]): Timing & { ok: boolean } {
  const start = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", cmd, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  const wall = (performance.now() - start) / 1000;
  const lines = (r.stderr ?? "").trim().split("\n");
  const [u, sy] = (lines[lines.length - 1] ?? "").split(" ").map(Number);
  return { wall, cpu: u + sy, ok: r.status === 0 };
}

function cpuSeconds<T>(f: () => T): [number, T] {
  const c0 = process.cpuUsage();
  const v = f();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1e6, v];
}

/** One parse (+ print) of `file` in this process; cold when it is the first. */
function parseOnce(file: string, bytes: Uint8Array): { parse: number; parsePrint: number } {
  const opts = { basePath: dirname(file), home };
  const [tp, r] = cpuSeconds(() => parse(new Source(bytes, file), opts));
  if (r.errors.length > 0) throw new Error(`${file}: ${r.errors[0].message}`);
  const [tpr] = cpuSeconds(() => printParseBytes(r.expr!));
  return { parse: tp, parsePrint: tp + tpr };
}

interface Row {
  name: string;
  mb: number;
  cold: { parse: number; parsePrint: number };
  warm: { parse: number; parsePrint: number };
  cli: Timing;
  nix: Timing;
  nixNetCpu: number;
  same: string;
}

function benchFile(
  name: string,
  file: string,
  runs: number,
  nix: boolean,
  nixStartCpu: number,
): Row {
  const bytes = readFileSync(file);
  // Cold: a fresh process per run (JIT not warmed up, heap small), as `tvix eval --parse` runs.
  const colds: { parse: number; parsePrint: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", file], {
      encoding: "utf8",
    });
    colds.push(JSON.parse(r.stdout));
  }
  // Warm: repeated in this process after a warm-up run.
  parseOnce(file, bytes);
  const warms: { parse: number; parsePrint: number }[] = [];
  for (let i = 0; i < runs; i++) warms.push(parseOnce(file, bytes));
  const cli: Timing[] = [];
  const nx: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    cli.push(timed(process.execPath, [tvixBin, "eval", "--parse", file]));
    if (nix) nx.push(timed("nix-instantiate", ["--parse", file]));
  }
  let same = "-";
  if (nix) {
    const theirs = spawnSync("nix-instantiate", ["--parse", file], { maxBuffer: 1 << 30 });
    const r = parse(new Source(bytes, file), { basePath: dirname(file), home });
    const t = theirs.stdout.toString("latin1").replace(/\n$/, "");
    const m = printMatching(r.expr!, t);
    same = m.text === t ? (m.reordered ? "yes*" : "yes") : "NO";
  }
  const med = (xs: number[]) => median(xs);
  const nixCpu = med(nx.map((x) => x.cpu));
  return {
    name,
    mb: bytes.length / 1e6,
    cold: {
      parse: med(colds.map((c) => c.parse)),
      parsePrint: med(colds.map((c) => c.parsePrint)),
    },
    warm: {
      parse: med(warms.map((c) => c.parse)),
      parsePrint: med(warms.map((c) => c.parsePrint)),
    },
    cli: { wall: med(cli.map((x) => x.wall)), cpu: med(cli.map((x) => x.cpu)) },
    nix: { wall: med(nx.map((x) => x.wall)), cpu: nixCpu },
    nixNetCpu: nixCpu - nixStartCpu,
    same,
  };
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  let runs = 5;
  let genMb = 20;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") runs = Number(argv[++i]);
    else if (argv[i] === "--mb") genMb = Number(argv[++i]);
  }
  const nix = spawnSync("nix-instantiate", ["--version"]).status === 0;
  if (!nix) console.log("nix-instantiate not found: tvix timings only");

  // Start-up: parse `1`.
  const tvStart: Timing[] = [];
  const nxStart: Timing[] = [];
  timed(process.execPath, [tvixBin, "eval", "--parse", "-E", "1"]);
  for (let i = 0; i < runs; i++) {
    tvStart.push(timed(process.execPath, [tvixBin, "eval", "--parse", "-E", "1"]));
    if (nix) nxStart.push(timed("nix-instantiate", ["--parse", "-E", "1"]));
  }
  const nixStartCpu = nix ? median(nxStart.map((x) => x.cpu)) : 0;

  const dir = mkdtempSync(join(tmpdir(), "tvix-bench-parse-"));
  const rows: Row[] = [];
  try {
    const corpus = conformanceCorpus(4e6);
    if (corpus) {
      const f = join(dir, "corpus.nix");
      writeFileSync(f, corpus);
      rows.push(benchFile("conformance x N", f, runs, nix, nixStartCpu));
    } else console.log(`(no conformance data under ${shared}: corpus skipped)`);
    const g = join(dir, "generated.nix");
    writeFileSync(g, generatedPackageSet(genMb * 1e6));
    rows.push(benchFile("generated pkg set", g, runs, nix, nixStartCpu));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
  const table: string[][] = [
    [
      "input",
      "MB",
      "nix net s",
      "nix MB/s",
      "cold p+p s",
      "MB/s",
      "ratio",
      "warm p+p s",
      "MB/s",
      "ratio",
      "warm parse MB/s",
      "cli s",
      "nix s",
      "cli ratio",
      "same output",
    ],
  ];
  for (const r of rows)
    table.push([
      r.name,
      r.mb.toFixed(1),
      f3(r.nixNetCpu),
      (r.mb / r.nixNetCpu).toFixed(1),
      f3(r.cold.parsePrint),
      (r.mb / r.cold.parsePrint).toFixed(1),
      f2(r.cold.parsePrint / r.nixNetCpu),
      f3(r.warm.parsePrint),
      (r.mb / r.warm.parsePrint).toFixed(1),
      f2(r.warm.parsePrint / r.nixNetCpu),
      (r.mb / r.warm.parse).toFixed(1),
      f3(r.cli.cpu),
      f3(r.nix.cpu),
      f2(r.cli.cpu / r.nix.cpu),
      r.same,
    ]);
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((x, c) => x.padStart(widths[c])).join("  "));
  const tsw = median(tvStart.map((x) => x.wall));
  const nsw = median(nxStart.map((x) => x.wall));
  console.log(
    `start-up (parse -E 1, wall): tvix ${f3(tsw)} s, nix ${nix ? f3(nsw) : "-"} s, ratio ${nix ? f2(tsw / nsw) : "-"}`,
  );
  console.log(
    "All times are CPU seconds (user + system; medians of runs). p+p = parse (syntax, parse-time checks,\n" +
      "undefined variables) + print of the --parse output, measured inside one process: cold = the first parse\n" +
      "in a fresh process, warm = after a warm-up. nix net = nix-instantiate --parse FILE minus its start-up.\n" +
      "ratio = tvix / nix (goal <= 1.0). cli = the whole `tvix eval --parse FILE` process vs `nix-instantiate\n" +
      "--parse FILE`, start-up included. same output: yes* = identical but for Nix 2.8's symbol-table order of\n" +
      "let bindings and formals.",
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "--child") {
    const file = process.argv[3];
    process.stdout.write(JSON.stringify(parseOnce(file, readFileSync(file))));
  } else await run();
}

/**
 * Evaluator benchmark: each workload of ../shared/bench/*.nix (fib, attrs, lists, strings,
 * fixpoint) with `tvix eval --strict FILE` and `nix-instantiate --eval --strict FILE`, run
 * alternately (after one warm-up run of each), reporting median wall time (start-up included),
 * median peak RSS (from /usr/bin/time) and the ratios tvix/nix. Outputs are compared too. The
 * `startup` workload is `-E 1`. tvix runs as installed (packages/cli/bin/tvix, with this Node), after
 * building its precompiled bundle (scripts/bundle.ts); `--sources` runs src/bin.ts instead.
 * The load average is printed before and after: on a shared machine compare ratios within a run.
 *
 *   node bench/eval.ts [--runs 5] [--sources] [WORKLOAD...]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sharedBench = resolve(process.env.TVIX_SHARED ?? join(repoRoot, "..", "shared"), "bench");
const WORKLOADS = ["startup", "fib", "attrs", "lists", "strings", "fixpoint"];

interface Sample {
  seconds: number;
  rssKb: number;
  ok: boolean;
  stdout: string;
}

const haveTime = existsSync("/usr/bin/time");

function measure(cmd: string, args: string[]): Sample {
  const argv = haveTime ? ["-f", "%e %M", cmd, ...args] : args;
  const start = performance.now();
  const r = spawnSync(haveTime ? "/usr/bin/time" : cmd, argv, {
    encoding: "latin1",
    maxBuffer: 1 << 30,
  });
  const wall = (performance.now() - start) / 1000;
  let rssKb = Number.NaN;
  if (haveTime) {
    const lines = (r.stderr ?? "").trim().split("\n");
    const m = /^([\d.]+) (\d+)$/.exec(lines[lines.length - 1] ?? "");
    if (m) rssKb = Number(m[2]);
  }
  return { seconds: wall, rssKb, ok: r.status === 0, stdout: r.stdout ?? "" };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  let runs = 5;
  let sources = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") runs = Math.max(3, Number(argv[++i]));
    else if (argv[i] === "--sources") sources = true;
    else if (!argv[i].startsWith("-") && WORKLOADS.includes(argv[i])) only.push(argv[i]);
  }
  // The command and the arguments before `eval`.
  let tvixCmd = [process.execPath, join(repoRoot, "packages", "cli", "src", "bin.ts")];
  if (!sources) {
    try {
      const { bundle } = await import("../scripts/bundle.ts");
      await bundle();
      tvixCmd = [join(repoRoot, "packages", "cli", "bin", "tvix")];
      // The launcher starts `node` from PATH: this one.
      process.env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
      // Measure this build even if the sources change meanwhile (they are not re-checked).
      process.env.TVIX_BUNDLE = "1";
    } catch (e) {
      console.log(`no bundle (${(e as Error).message.split("\n")[0]}): measuring the sources`);
    }
  }
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log(`tvix: ${tvixCmd.join(" ")}; load average before: ${load()}`);
  const nix = spawnSync("nix-instantiate", ["--version"]).status === 0;
  if (!nix) console.log("nix-instantiate not found: tvix timings only");
  const rows: string[][] = [
    [
      "workload",
      "tvix s",
      "nix s",
      "time ratio",
      "tvix MiB",
      "nix MiB",
      "mem ratio",
      "same output",
    ],
  ];
  for (const w of only.length > 0 ? only : WORKLOADS) {
    const input = w === "startup" ? ["-E", "1"] : [join(sharedBench, `${w}.nix`)];
    const tv: Sample[] = [];
    const nx: Sample[] = [];
    const tvix = () => measure(tvixCmd[0], [...tvixCmd.slice(1), "eval", "--strict", ...input]);
    const cpp = () => measure("nix-instantiate", ["--eval", "--strict", ...input]);
    tvix();
    if (nix) cpp();
    for (let i = 0; i < runs; i++) {
      tv.push(tvix());
      if (nix) nx.push(cpp());
    }
    const t = median(tv.map((s) => s.seconds));
    const n = median(nx.map((s) => s.seconds));
    const tm = median(tv.map((s) => s.rssKb)) / 1024;
    const nm = median(nx.map((s) => s.rssKb)) / 1024;
    const ok = tv.every((s) => s.ok);
    rows.push([
      w,
      ok ? t.toFixed(3) : "error",
      nix ? n.toFixed(3) : "-",
      nix && ok ? (t / n).toFixed(2) : "-",
      tm.toFixed(0),
      nix ? nm.toFixed(0) : "-",
      nix ? (tm / nm).toFixed(2) : "-",
      nix ? String(ok && tv[0].stdout === nx[0].stdout) : "-",
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((x, c) => x.padStart(widths[c])).join("  "));
  console.log(`load average after: ${load()}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();

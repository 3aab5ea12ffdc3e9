/**
 * Glue benchmark: ../shared/bench/fixpoint.nix (20,000 derivations through derivationStrict and
 * the derivation wrapper) with `tvix eval --strict` against `nix-instantiate --eval --strict`,
 * run alternately after one warm-up each; median wall time (start-up included), peak RSS (from
 * /usr/bin/time) and the ratios tvix/nix. Goal ≤ 1.0×; required ≤ 1.5× in time and memory.
 *
 *   node bench/glue.ts [--runs 5]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = resolve(process.env.TVIX_SHARED ?? join(repoRoot, "..", "shared"));
const tvixBin = join(repoRoot, "packages", "cli", "src", "bin.ts");
const haveTime = existsSync("/usr/bin/time");

interface Sample {
  seconds: number;
  rssKb: number;
  ok: boolean;
  stdout: string;
}

function measure(cmd: string, args: string[]): Sample {
  const argv = haveTime ? ["-f", "%e %M", cmd, ...args] : args;
  const start = performance.now();
  const r = spawnSync(haveTime ? "/usr/bin/time" : cmd, argv, {
    encoding: "latin1",
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - start) / 1000;
  const m = /(\d+)\s*$/.exec((r.stderr ?? "").trim());
  return {
    seconds,
    rssKb: haveTime && m ? Number(m[1]) : Number.NaN,
    ok: r.status === 0,
    stdout: r.stdout ?? "",
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const i = argv.indexOf("--runs");
  const runs = i >= 0 ? Number(argv[i + 1]) : 5;
  const file = join(shared, "bench", "fixpoint.nix");
  if (!existsSync(file)) {
    console.log(`missing workload ${file}: skipped`);
    return;
  }
  const nix = spawnSync("nix-instantiate", ["--version"]).status === 0;
  const tvix = () => measure(process.execPath, [tvixBin, "eval", "--strict", file]);
  const cpp = () => measure("nix-instantiate", ["--eval", "--strict", file]);
  tvix();
  if (nix) cpp();
  const tv: Sample[] = [];
  const nx: Sample[] = [];
  for (let k = 0; k < runs; k++) {
    tv.push(tvix());
    if (nix) nx.push(cpp());
  }
  const t = median(tv.map((s) => s.seconds));
  const n = median(nx.map((s) => s.seconds));
  const tm = median(tv.map((s) => s.rssKb)) / 1024;
  const nm = median(nx.map((s) => s.rssKb)) / 1024;
  const ok = tv.every((s) => s.ok);
  const rows = [
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
    [
      "fixpoint (20k drvs)",
      ok ? t.toFixed(3) : "error",
      nix ? n.toFixed(3) : "-",
      nix && ok ? (t / n).toFixed(2) : "-",
      tm.toFixed(0),
      nix ? nm.toFixed(0) : "-",
      nix ? (tm / nm).toFixed(2) : "-",
      nix ? String(ok && tv[0].stdout === nx[0].stdout) : "-",
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((x, c) => x.padStart(widths[c])).join("  "));
  const load = existsSync("/proc/loadavg")
    ? readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")
    : "?";
  console.log(`load average after: ${load}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();

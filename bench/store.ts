/**
 * Store benchmark: nar-bridge against nginx serving the same files from disk, in one run.
 *
 *   node bench/store.ts [--size 512M] [--runs 3] [--duration 5]
 *
 * Rows (each measurement alternates nar-bridge and nginx, --runs times; medians are shown):
 *   NAR download throughput of one large path (a single file of --size random bytes, default
 *   512 MiB): nar-bridge rendering it from the local tvix store (blobs as zstd chunk files,
 *   directories and path infos in SQLite) vs nginx sending the NAR file (sendfile), both over
 *   loopback to `curl -o /dev/null`, after one warm-up download each.
 *   narinfo at 100 concurrent connections with wrk (a fetch-based generator when wrk is
 *   missing), after a 2 s warm-up of each server (nar-bridge is JIT-compiled), two shapes:
 *   - saturated: closed loop, each connection sends its next request as soon as the answer
 *     arrives. This measures capacity (req/s); its latency is mostly queueing (by Little's law
 *     the mean is 100 / throughput: 2 ms at 50k req/s), so its p99 follows throughput and
 *     every hiccup of a shared machine.
 *   - paced: each connection waits a random 5 to 15 ms after an answer before its next request
 *     (about 9k req/s in all): the latency of 100 independent clients when the server is not
 *     the bottleneck. (A fixed wait keeps all 100 connections in step, so each round is a
 *     burst of 100 requests and p99 becomes the time to answer the burst.)
 *   Plus the server's CPU time per request (all its threads, from /proc), the number least
 *   disturbed by other load.
 * Goals: NAR throughput >= 0.8x nginx; narinfo p99 < 5 ms.
 *
 * On a machine with two or more CPUs and `taskset`, the narinfo runs pin the server (all of
 * its threads; nginx master and worker) to CPU 0 and wrk to the others: otherwise wrk's
 * threads and the server take turns on the same cores and the measurement measures the load
 * generator as much as the server. The NAR downloads are not pinned (nar-bridge reads chunks
 * in a worker thread; curl needs a core too).
 *
 * Data is generated once under .bench-data/store/ (git-ignored). nginx runs from a temporary
 * config on 127.0.0.1 with one worker (nar-bridge is one process); skipped with a note when
 * nginx is not installed (`apt-get install nginx-light`).
 */
import { spawn, spawnSync } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatNarInfo } from "@tvix-ts/nix-compat";
import { importPath, localStoreUrls, openStore, renderNar } from "@tvix-ts/store";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = join(repoRoot, ".bench-data", "store");

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

function parseSize(s: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Number(m[1]) * { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase()]!;
}

interface Meta {
  size: number;
  storePath: string;
  hashPart: string;
  narSize: number;
  narName: string;
}

/** Creates (once) the payload, the tvix store holding it, and nginx's copy of NAR + narinfo. */
async function ensureData(size: number): Promise<Meta> {
  const metaFile = join(dataDir, `meta-${size}.json`);
  if (existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, "utf8")) as Meta;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, "payload"), { recursive: true });
  process.stdout.write(`generating ${size >> 20} MiB of benchmark data in ${dataDir} ...\n`);
  const { randomFillSync } = await import("node:crypto");
  const fh = await open(join(dataDir, "payload", "big.bin"), "w");
  const buf = Buffer.allocUnsafe(4 << 20);
  for (let done = 0; done < size; done += buf.length) {
    randomFillSync(buf);
    await fh.write(buf, 0, Math.min(buf.length, size - done));
  }
  await fh.close();
  const u = localStoreUrls(join(dataDir, "tvix"));
  const store = openStore({
    blobServiceAddr: u.blob,
    directoryServiceAddr: u.directory,
    pathInfoServiceAddr: u.pathinfo,
  });
  const info = await importPath(store, join(dataDir, "payload"));
  // nginx's files: the NAR as a binary cache stores it, and a narinfo pointing at it.
  const www = join(dataDir, "www");
  mkdirSync(join(www, "nar"), { recursive: true });
  const narName = `${info.narHash.toNixBase32()}.nar`;
  const out = createWriteStream(join(www, "nar", narName));
  for await (const c of renderNar(info.node, store.blobService, store.directoryService)) {
    if (!out.write(c)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  writeFileSync(
    join(www, "nix-cache-info"),
    "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 39\n",
  );
  writeFileSync(
    join(www, `${info.storePath.hashPart}.narinfo`),
    formatNarInfo(info.toNarInfo(`nar/${narName}`)),
  );
  await store.close();
  rmSync(join(dataDir, "payload"), { recursive: true, force: true });
  const meta: Meta = {
    size,
    storePath: info.storePath.toAbsolutePath(),
    hashPart: info.storePath.hashPart,
    narSize: info.narSize,
    narName,
  };
  writeFileSync(metaFile, JSON.stringify(meta));
  return meta;
}

interface Server {
  port: number;
  /** Processes whose CPU time counts (nginx: master and worker). */
  pids: () => number[];
  stop: () => Promise<void>;
}

async function startBridge(): Promise<Server> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "bench", "_store-bridge.ts"), join(dataDir, "tvix")],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (c) => reject(new Error(`nar-bridge exited with ${c}`)));
  });
  return {
    port,
    pids: () => [child.pid!],
    stop: () =>
      new Promise((r) => {
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

async function startNginx(): Promise<Server | undefined> {
  const bin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
  if (!bin) return undefined;
  const dir = join(tmpdir(), `tvix-bench-nginx-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const port = 20000 + (process.pid % 20000);
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { text/x-nix-narinfo narinfo; application/x-nix-nar nar; }
  server {
    listen 127.0.0.1:${port};
    root ${join(dataDir, "www")};
  }
}
`,
  );
  const child = spawn(bin, ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/nix-cache-info`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pids: () => {
      const kids = spawnSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" });
      return [child.pid!, ...kids.stdout.split("\n").filter(Boolean).map(Number)];
    },
    stop: () =>
      new Promise((r) => {
        child.once("exit", () => {
          rmSync(dir, { recursive: true, force: true });
          r();
        });
        child.kill("SIGQUIT");
      }),
  };
}

/** MiB/s of one download with curl (bytes checked). */
function download(url: string, expected: number): number {
  const r = spawnSync(
    "curl",
    ["-s", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", url],
    {
      encoding: "utf8",
    },
  );
  const [bytes, secs] = r.stdout.trim().split(" ").map(Number);
  if (bytes !== expected) throw new Error(`${url}: got ${bytes} bytes, expected ${expected}`);
  return bytes! / (1024 * 1024) / secs!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** CPU seconds (user + system, all threads) the processes used so far. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      return Number.NaN; // no /proc: no CPU numbers
    }
  }
  return ticks / 100; // USER_HZ, 100 on Linux
}

/** CPU affinity for the narinfo runs: server on CPU 0, wrk on the rest (see the header). */
interface Pinning {
  readonly wrkCpus: string;
  readonly wrkThreads: number;
}

function pinning(): Pinning | undefined {
  const n = cpus().length;
  if (n < 2 || spawnSync("taskset", ["-V"]).status !== 0) return undefined;
  return { wrkCpus: `1-${n - 1}`, wrkThreads: Math.min(2, n - 1) };
}

function pinServer(server: Server, pin: Pinning | undefined): void {
  if (!pin) return;
  for (const pid of server.pids()) spawnSync("taskset", ["-a", "-p", "-c", "0", String(pid)]);
}

interface Load {
  rps: number;
  p50ms: number;
  p99ms: number;
  /** Server CPU microseconds per request. */
  cpuUs: number;
}

/** Paced runs: wait between an answer and the next request, uniform in [min, max] ms. */
const PACE_MS = [5, 15] as const;

function wrkMs(out: string, pct: string): number {
  const m = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`).exec(out)!;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "us" | "ms" | "s"];
}

/** 100 connections against `url` for `seconds`: wrk when installed, else a fetch loop. */
async function load(
  url: string,
  seconds: number,
  server: Server,
  paced: boolean,
  pin: Pinning | undefined,
): Promise<Load> {
  const cpu0 = cpuSeconds(server.pids());
  const args = ["-c100", `-d${seconds}s`, "--latency"];
  if (paced) args.push("-s", paceScript());
  const wrk = pin
    ? spawnSync("taskset", ["-c", pin.wrkCpus, "wrk", `-t${pin.wrkThreads}`, ...args, url], {
        encoding: "utf8",
      })
    : spawnSync("wrk", ["-t2", ...args, url], { encoding: "utf8" });
  if (wrk.status === 0) {
    const cpu = cpuSeconds(server.pids()) - cpu0;
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(wrk.stdout);
    if (non2xx) throw new Error(`${url}: ${non2xx[1]} failed responses`);
    const requests = Number(/(\d+) requests in/.exec(wrk.stdout)![1]);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)![1]),
      p50ms: wrkMs(wrk.stdout, "50"),
      p99ms: wrkMs(wrk.stdout, "99"),
      cpuUs: (cpu / requests) * 1e6,
    };
  }
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await fetch(url);
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        lat.push(performance.now() - t);
        const wait = PACE_MS[0] + Math.floor(Math.random() * (PACE_MS[1] - PACE_MS[0] + 1));
        if (paced) await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
  const cpu = cpuSeconds(server.pids()) - cpu0;
  lat.sort((a, b) => a - b);
  return {
    rps: lat.length / seconds,
    p50ms: lat[Math.floor(lat.length * 0.5)]!,
    p99ms: lat[Math.floor(lat.length * 0.99)]!,
    cpuUs: (cpu / lat.length) * 1e6,
  };
}

let paceFile: string | undefined;
/** A wrk script making each connection wait PACE_MS between an answer and its next request. */
function paceScript(): string {
  if (!paceFile) {
    paceFile = join(tmpdir(), `tvix-bench-pace-${process.pid}.lua`);
    writeFileSync(
      paceFile,
      `function delay()\n  return math.random(${PACE_MS[0]}, ${PACE_MS[1]})\nend\n`,
    );
  }
  return paceFile;
}

const fmt = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? "n/a" : x.toFixed(x < 10 ? 2 : 0);

export async function run(): Promise<void> {
  const size = parseSize(arg("size", "512M"));
  const runs = Number(arg("runs", "3"));
  const seconds = Number(arg("duration", "5"));
  const meta = await ensureData(size);
  const loadBefore = loadavg();
  const bridge = await startBridge();
  const nginx = await startNginx();
  try {
    const bridgeNarinfo = `http://127.0.0.1:${bridge.port}/${meta.hashPart}.narinfo`;
    const bridgeNar = `http://127.0.0.1:${bridge.port}/${(await (await fetch(bridgeNarinfo)).text()).match(/URL: (.*)/)![1]}`;
    const nginxNar = nginx && `http://127.0.0.1:${nginx.port}/nar/${meta.narName}`;
    const nginxNarinfo = nginx && `http://127.0.0.1:${nginx.port}/${meta.hashPart}.narinfo`;
    const rows: [string, number, number | undefined][] = [];

    // NAR downloads: one warm-up each (page cache, JIT), then alternated.
    download(bridgeNar, meta.narSize);
    if (nginxNar) download(nginxNar, meta.narSize);
    const ours: number[] = [];
    const theirs: number[] = [];
    const narCpu = [0, 0];
    for (let i = 0; i < runs; i++) {
      let c = cpuSeconds(bridge.pids());
      ours.push(download(bridgeNar, meta.narSize));
      narCpu[0]! += cpuSeconds(bridge.pids()) - c;
      if (nginx && nginxNar) {
        c = cpuSeconds(nginx.pids());
        theirs.push(download(nginxNar, meta.narSize));
        narCpu[1]! += cpuSeconds(nginx.pids()) - c;
      }
    }
    const perGiB = (cpu: number) => cpu / ((runs * meta.narSize) / 2 ** 30);
    const narOurs = median(ours);
    const narTheirs = nginxNar ? median(theirs) : undefined;
    rows.push([`NAR download, ${meta.narSize >> 20} MiB (MiB/s)`, narOurs, narTheirs]);
    rows.push([
      "  server CPU per GiB sent (s)",
      perGiB(narCpu[0]!),
      nginx ? perGiB(narCpu[1]!) : undefined,
    ]);

    // narinfo: warm-up, then saturated and paced runs, alternated.
    const pin = pinning();
    pinServer(bridge, pin);
    if (nginx) pinServer(nginx, pin);
    await load(bridgeNarinfo, 2, bridge, false, pin);
    if (nginx) await load(nginxNarinfo!, 2, nginx, false, pin);
    const results = { sat: [[], []], paced: [[], []] } as Record<"sat" | "paced", Load[][]>;
    for (let i = 0; i < runs; i++) {
      for (const shape of ["sat", "paced"] as const) {
        results[shape][0]!.push(await load(bridgeNarinfo, seconds, bridge, shape === "paced", pin));
        if (nginx) {
          results[shape][1]!.push(
            await load(nginxNarinfo!, seconds, nginx, shape === "paced", pin),
          );
        }
      }
    }
    const med = (shape: "sat" | "paced", who: 0 | 1, k: keyof Load) =>
      who === 1 && !nginx ? undefined : median(results[shape][who]!.map((l) => l[k]));
    const all = (shape: "sat" | "paced", who: 0 | 1, k: keyof Load) =>
      results[shape][who]!.map((l) => fmt(l[k])).join(" ");
    const label = { sat: "saturated", paced: `paced (${PACE_MS.join("-")} ms between requests)` };
    for (const shape of ["sat", "paced"] as const) {
      rows.push([`narinfo ${label[shape]}: req/s`, med(shape, 0, "rps")!, med(shape, 1, "rps")]);
      rows.push([`  p50 latency (ms)`, med(shape, 0, "p50ms")!, med(shape, 1, "p50ms")]);
      rows.push([`  p99 latency (ms)`, med(shape, 0, "p99ms")!, med(shape, 1, "p99ms")]);
      rows.push([`  server CPU per request (us)`, med(shape, 0, "cpuUs")!, med(shape, 1, "cpuUs")]);
    }

    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    console.log(
      `cpus ${cpus().length}, load average ${la(loadBefore)} before, ${la(loadavg())} after`,
    );
    console.log(
      pin
        ? `narinfo: servers pinned to CPU 0, wrk -t${pin.wrkThreads} to CPU ${pin.wrkCpus}`
        : "narinfo: not pinned (one CPU or no taskset)",
    );
    console.log(
      `${"".padEnd(44)} ${"nar-bridge".padStart(12)} ${"nginx".padStart(12)} ${"ratio".padStart(8)}`,
    );
    for (const [name, a, b] of rows) {
      const ratio = b === undefined ? "" : (a / b).toFixed(2);
      console.log(
        `${name.padEnd(44)} ${fmt(a).padStart(12)} ${fmt(b).padStart(12)} ${ratio.padStart(8)}`,
      );
    }
    console.log(
      `NAR runs (MiB/s): nar-bridge ${ours.map(fmt).join(" ")}; nginx ${theirs.map(fmt).join(" ")}`,
    );
    for (const shape of ["sat", "paced"] as const) {
      console.log(
        `narinfo ${shape} runs, p99 ms: nar-bridge ${all(shape, 0, "p99ms")}; nginx ${nginx ? all(shape, 1, "p99ms") : "n/a"}`,
      );
    }
    if (!nginx) console.log("(nginx not installed: no baseline; apt-get install nginx-light)");
    const goalT = narTheirs === undefined ? "n/a" : narOurs >= 0.8 * narTheirs ? "met" : "NOT met";
    const p99 = (shape: "sat" | "paced") => (med(shape, 0, "p99ms")! < 5 ? "met" : "NOT met");
    console.log(
      `goals: NAR throughput >= 0.8x nginx: ${goalT}; narinfo p99 < 5 ms: saturated ${p99("sat")}, paced ${p99("paced")}`,
    );
  } finally {
    await bridge.stop();
    await nginx?.stop();
    if (paceFile) rmSync(paceFile, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

/**
 * Store benchmark: nar-bridge against nginx serving the same files from disk, in one run.
 *
 *   node bench/store.ts [--size 512M] [--runs 3] [--duration 5]
 *
 * Rows:
 *   NAR download throughput of one large path (a single file of --size random bytes, default
 *   512 MiB): nar-bridge rendering it from the local tvix store (blobs as zstd chunk files,
 *   directories and path infos in SQLite) vs nginx sending the NAR file (sendfile), both over
 *   loopback to `curl -o /dev/null`; median of --runs after a warm-up.
 *   narinfo requests/s and p99 latency at 100 concurrent connections (`wrk -t2 -c100`, or a
 *   fetch-based load generator when wrk is missing), nar-bridge vs nginx.
 * Goals: NAR throughput >= 0.8x nginx; narinfo p99 < 5 ms.
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

async function startBridge(): Promise<{ port: number; stop: () => Promise<void> }> {
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
    stop: () =>
      new Promise((r) => {
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

async function startNginx(): Promise<{ port: number; stop: () => Promise<void> } | undefined> {
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

interface Load {
  rps: number;
  p99ms: number;
}

/** narinfo load: wrk when installed, else a fetch loop with 100 concurrent workers. */
async function load(url: string, seconds: number): Promise<Load> {
  const wrk = spawnSync("wrk", ["-t2", "-c100", `-d${seconds}s`, "--latency", url], {
    encoding: "utf8",
  });
  if (wrk.status === 0) {
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)![1]);
    const m = /99%\s+([\d.]+)(us|ms|s)/.exec(wrk.stdout)!;
    const p99ms = Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "us" | "ms" | "s"];
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(wrk.stdout);
    if (non2xx) throw new Error(`${url}: ${non2xx[1]} failed responses`);
    return { rps, p99ms };
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
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { rps: lat.length / seconds, p99ms: lat[Math.floor(lat.length * 0.99)]! };
}

export async function run(): Promise<void> {
  const size = parseSize(arg("size", "512M"));
  const runs = Number(arg("runs", "3"));
  const seconds = Number(arg("duration", "5"));
  const meta = await ensureData(size);
  const bridge = await startBridge();
  const nginx = await startNginx();
  try {
    const bridgeNar = `http://127.0.0.1:${bridge.port}/${(await (await fetch(`http://127.0.0.1:${bridge.port}/${meta.hashPart}.narinfo`)).text()).match(/URL: (.*)/)![1]}`;
    const rows: [string, number, number | undefined][] = [];
    const tput = (url: string) => {
      download(url, meta.narSize); // warm-up (page cache, JIT)
      return median(Array.from({ length: runs }, () => download(url, meta.narSize)));
    };
    const ours = tput(bridgeNar);
    const theirs = nginx ? tput(`http://127.0.0.1:${nginx.port}/nar/${meta.narName}`) : undefined;
    rows.push([`NAR download, ${meta.narSize >> 20} MiB (MiB/s)`, ours, theirs]);
    const oursLoad = await load(
      `http://127.0.0.1:${bridge.port}/${meta.hashPart}.narinfo`,
      seconds,
    );
    const theirsLoad = nginx
      ? await load(`http://127.0.0.1:${nginx.port}/${meta.hashPart}.narinfo`, seconds)
      : undefined;
    rows.push(["narinfo, 100 concurrent (req/s)", oursLoad.rps, theirsLoad?.rps]);
    rows.push(["narinfo p99 latency (ms)", oursLoad.p99ms, theirsLoad?.p99ms]);

    console.log(
      `cpus ${cpus().length}, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `${"".padEnd(38)} ${"nar-bridge".padStart(12)} ${"nginx".padStart(12)} ${"ratio".padStart(8)}`,
    );
    for (const [name, a, b] of rows) {
      const ratio = b === undefined ? "" : (a / b).toFixed(2);
      console.log(
        `${name.padEnd(38)} ${a.toFixed(a < 10 ? 2 : 0).padStart(12)} ${(b === undefined ? "n/a" : b.toFixed(b < 10 ? 2 : 0)).padStart(12)} ${ratio.padStart(8)}`,
      );
    }
    if (!nginx) console.log("(nginx not installed: no baseline; apt-get install nginx-light)");
    const goalT = theirs === undefined ? "n/a" : ours >= 0.8 * theirs ? "met" : "NOT met";
    console.log(
      `goals: NAR throughput >= 0.8x nginx: ${goalT}; narinfo p99 < 5 ms: ${oursLoad.p99ms < 5 ? "met" : "NOT met"}`,
    );
  } finally {
    await bridge.stop();
    await nginx?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

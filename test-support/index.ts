/**
 * Helpers shared by every package's tests: where the shared conformance data is, and whether the
 * oracle (Nix 2.8's `nix-store`, `nix-hash`, `nix-instantiate`) is installed. Missing data or a
 * missing oracle is reported loudly on stderr and as a test skip, never silently ignored.
 */
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `../shared` beside the repository, or `$TVIX_SHARED`. */
export const sharedDir = resolve(process.env.TVIX_SHARED ?? join(repoRoot, "..", "shared"));

const warned = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.stderr.write(`\n*** WARNING: ${message} ***\n\n`);
}

/**
 * Path of a directory under `../shared/conformance`, or undefined (with a loud warning) when the
 * shared data is not there. Tests skip with `conformanceMissing(sub)` as the reason.
 */
export function conformanceDir(sub: string): string | undefined {
  const p = join(sharedDir, "conformance", sub);
  if (existsSync(p)) return p;
  warnOnce(`conf:${sub}`, conformanceMissing(sub));
  return undefined;
}

export function conformanceMissing(sub: string): string {
  return `shared conformance data missing: ${join(sharedDir, "conformance", sub)} (set TVIX_SHARED or check out ../shared)`;
}

let nixAvailable: boolean | undefined;

/** True when Nix's command-line tools (the oracle) are installed. */
export function hasOracle(): boolean {
  if (nixAvailable === undefined) {
    const r = spawnSync("nix-store", ["--version"], { encoding: "utf8" });
    nixAvailable = r.status === 0;
    if (!nixAvailable) warnOnce("oracle", ORACLE_MISSING);
  }
  return nixAvailable;
}

export const ORACLE_MISSING =
  "Nix (the oracle) is not installed: differential tests are SKIPPED. Install it with `apt-get install nix-bin`";

/** Options for `it`/`describe` that skip, with the reason, when the oracle is absent. */
export function oracleSkip(): { skip: string | false } {
  return { skip: hasOracle() ? false : ORACLE_MISSING };
}

export interface RunResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program synchronously, returning raw stdout and text stderr. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30, ...opts });
  if (r.error) throw r.error;
  return {
    status: r.status,
    stdout: r.stdout as Buffer,
    stderr: (r.stderr as Buffer | null)?.toString("utf8") ?? "",
  };
}

/** Runs a program and returns stdout, throwing with its stderr when it fails. */
export function runOk(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Buffer {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The installed `tvix` command: a shell launcher that starts `node` from PATH. */
export const tvixLauncher = join(repoRoot, "packages", "cli", "bin", "tvix");

/**
 * Runs `tvix ARGS...` in a child process, as installed (the launcher, with this Node first on
 * PATH): `tvix eval` evaluates on the main thread with a large stack, from the precompiled
 * bundle when it is fresh. The evaluation-worker path (Node started directly) has its own tests.
 */
export function runTvix(args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const env = { ...(opts.env ?? process.env) };
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ""}`;
  return run(tvixLauncher, args, { ...opts, env });
}

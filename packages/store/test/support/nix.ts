/** Driving the real Nix (2.8) in tests: throwaway chroot stores, no network, no user config. */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Options every Nix call gets: no substituters, no sandbox surprises, fast failure. */
export const NIX_OPTS = [
  "--option",
  "substituters",
  "",
  "--option",
  "extra-sandbox-paths",
  "/bin /lib /lib64 /usr",
  "--option",
  "connect-timeout",
  "5",
  "--extra-experimental-features",
  "nix-command",
];

export function nixEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, "cache"), NIX_CONFIG: "" };
}

/** Runs a Nix program asynchronously (servers in this process must keep answering). */
export function runNix(
  cmd: string,
  args: string[],
  home: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: nixEnv(home) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function runNixOk(cmd: string, args: string[], home: string): Promise<string> {
  const r = await runNix(cmd, args, home);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * Populates a chroot store at `store` with: a file and a directory added with nix-store --add,
 * and two built derivations (top refers to dep). Returns the store paths.
 */
export async function makeSourceStore(dir: string, store: string, nonce: string) {
  const home = join(dir, "home");
  await writeFile(join(dir, "file.txt"), `hello ${nonce}\n`);
  await writeFile(
    join(dir, "d.nix"),
    `let
  dep = derivation { name = "dep"; system = builtins.currentSystem; builder = "/bin/sh";
    args = ["-c" "export PATH=/bin:/usr/bin; mkdir -p $out/bin; echo '#!/bin/sh' > $out/bin/run; chmod +x $out/bin/run; echo ${nonce} > $out/data; ln -s data $out/link"]; };
in derivation { name = "top"; system = builtins.currentSystem; builder = "/bin/sh";
    args = ["-c" "echo \${dep} > $out"]; }
`,
  );
  const added = (
    await runNixOk(
      "nix-store",
      ["--store", store, ...NIX_OPTS, "--add", join(dir, "file.txt")],
      home,
    )
  ).trim();
  const top = (
    await runNixOk(
      "nix-build",
      ["--store", store, ...NIX_OPTS, join(dir, "d.nix"), "--no-out-link"],
      home,
    )
  ).trim();
  const closure = (await runNixOk("nix-store", ["--store", store, ...NIX_OPTS, "-qR", top], home))
    .trim()
    .split("\n");
  return { added, top, closure, home };
}

/** `nix-store -q --hash` of a path in a store. */
export async function narHashIn(store: string, path: string, home: string): Promise<string> {
  return (
    await runNixOk("nix-store", ["--store", store, ...NIX_OPTS, "-q", "--hash", path], home)
  ).trim();
}

export function generateKey(dir: string, name: string): { secret: string; public: string } {
  const sk = join(dir, `${name}.sk`);
  const pk = join(dir, `${name}.pk`);
  spawnSync("nix-store", ["--generate-binary-cache-key", name, sk, pk]);
  return { secret: readFileSync(sk, "utf8").trim(), public: readFileSync(pk, "utf8").trim() };
}

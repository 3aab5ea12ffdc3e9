/**
 * `fetchGit` by the `git` program: resolve the revision (a given rev, a ref, or HEAD; a local
 * repository with uncommitted changes uses its working tree's tracked files, as Nix does), then
 * export that tree: `git archive` (no submodules), or a temporary checkout with submodules
 * (`.git` entries left out).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { GitInfo } from "../protocol.ts";
import { FetchError } from "./download.ts";

const run = promisify(execFile);

export async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const r = await run("git", args, {
      cwd,
      encoding: "latin1",
      maxBuffer: 1 << 30,
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" },
    });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: string };
    if (err.code === "ENOENT") throw new FetchError("cannot run 'git': it is not installed");
    throw new FetchError(`git ${args[0]} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** A local directory for a `file://` URL (or a plain path), else undefined. */
export function localRepoPath(url: string): string | undefined {
  if (url.startsWith("/")) return url;
  if (url.startsWith("file://")) return fileURLToPath(url);
  return undefined;
}

export interface ResolvedGit extends GitInfo {
  /** Directory of a repository holding `rev` (a temporary clone for remote URLs). */
  repo: string;
  cleanup: () => Promise<void>;
}

export async function resolveGit(
  url: string,
  ref: string | undefined,
  rev: string,
  allRefs: boolean,
): Promise<ResolvedGit> {
  const local = localRepoPath(url);
  let repo: string;
  let cleanup = async () => {};
  if (local !== undefined) repo = local;
  else {
    const tmp = await mkdtemp(join(tmpdir(), "tvix-git-"));
    cleanup = () => rm(tmp, { recursive: true, force: true });
    repo = join(tmp, "repo.git");
    try {
      await git(["clone", "--quiet", "--bare", ...(allRefs ? ["--mirror"] : []), url, repo]);
    } catch (e) {
      await cleanup();
      throw e;
    }
  }
  try {
    let dirty = false;
    let resolved = rev;
    if (resolved === "") {
      if (ref === undefined && local !== undefined) {
        const status = await git(["status", "--porcelain", "--untracked-files=no"], repo).catch(
          () => "",
        );
        dirty = status.trim() !== "";
      }
      const want = ref ?? "HEAD";
      const candidates =
        want.startsWith("refs/") || want === "HEAD"
          ? [want]
          : [`refs/heads/${want}`, `refs/tags/${want}`, want];
      for (const c of candidates) {
        const out = await git(["rev-parse", "--verify", "--quiet", `${c}^{commit}`], repo).catch(
          () => "",
        );
        if (out.trim() !== "") {
          resolved = out.trim();
          break;
        }
      }
      if (resolved === "" && !dirty)
        throw new FetchError(`cannot find Git revision '${want}' in '${url}'`);
    } else {
      await git(["cat-file", "-e", `${rev}^{commit}`], repo).catch(() => {
        throw new FetchError(`cannot find Git revision '${rev}' in '${url}'`);
      });
    }
    const revCount =
      resolved === "" ? 0 : Number((await git(["rev-list", "--count", resolved], repo)).trim());
    const lastModified =
      resolved === ""
        ? 0
        : Number((await git(["log", "-1", "--format=%ct", resolved], repo)).trim());
    return { rev: resolved, revCount, lastModified, dirty, repo, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Tracked files of a working tree (for dirty local repositories), as absolute paths. */
export async function trackedFiles(repo: string): Promise<string[]> {
  const out = await git(["ls-files", "-z"], repo);
  return out
    .split("\0")
    .filter((f) => f !== "")
    .map((f) => `${repo}/${f}`);
}

/** A checkout of `rev` with its submodules, in a temporary directory. */
export async function checkoutWithSubmodules(
  repo: string,
  rev: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const tmp = await mkdtemp(join(tmpdir(), "tvix-git-co-"));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  try {
    const dir = join(tmp, "source");
    const allowFile = ["-c", "protocol.file.allow=always"];
    await git([...allowFile, "clone", "--quiet", "--no-checkout", repo, dir]);
    await git(["checkout", "--quiet", rev], dir);
    await git([...allowFile, "submodule", "--quiet", "update", "--init", "--recursive"], dir);
    return { dir, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

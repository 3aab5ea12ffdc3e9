/**
 * The environment for castore's worker threads (chunk reads and chunk writes): the process's,
 * with Node's compile cache on. A worker starts a new JavaScript environment that loads and
 * compiles its modules again — TypeScript ones stripped of their types first, by a WebAssembly
 * module that itself has to be set up in each worker — which cost each chunk-store worker about
 * 130 ms of CPU time before its first chunk, 60 ms with the cache (after a first run has filled
 * it). Workers read NODE_COMPILE_CACHE when they start; enabling the cache in the main thread
 * does not reach them. The directory is the one the process already uses, else Node's default
 * (`node-compile-cache` in the temp directory); NODE_DISABLE_COMPILE_CACHE turns it off, as it
 * does for Node itself.
 */
import { getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

let env: NodeJS.ProcessEnv | undefined;

/** The first message of the chunk workers: their modules are loaded and they take requests. */
export const READY = "ready";

/**
 * Blobs known to be smaller than this are hashed and stored on the caller's thread, unless the
 * workers are already running: starting one takes ~0.1 s, and `tvix store import` of a 3 MB
 * file took 0.18 s with workers against 0.14 s without (64 MB: 0.33 s against 0.40 s).
 */
export const WORKERS_FROM = 16 * 1024 * 1024;

/** Whether a blob of `sizeHint` bytes (undefined: not known) is worth worker threads. */
export const worthWorkers = (sizeHint: number | undefined): boolean =>
  sizeHint === undefined || sizeHint >= WORKERS_FROM;

export function workerEnv(): NodeJS.ProcessEnv {
  if (process.env.NODE_DISABLE_COMPILE_CACHE || process.env.NODE_COMPILE_CACHE) return process.env;
  env ??= {
    ...process.env,
    NODE_COMPILE_CACHE: getCompileCacheDir() ?? join(tmpdir(), "node-compile-cache"),
  };
  return env;
}

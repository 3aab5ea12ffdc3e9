/**
 * Runs one `tvix eval` evaluation in a worker thread, whose large stack (set by the parent via
 * `resourceLimits.stackSizeMb`) lets deeply recursive Nix code run; a JS stack overflow past it
 * becomes a clean "stack overflow" error. Posts `{ kind: "stderr", data }` messages while
 * running and one `{ kind: "done", stdout, status, stderr }` at the end (data are byte strings).
 *
 * The evaluator is imported only here, after enabling Node's compile cache, so that start-up
 * (type stripping and compiling some forty modules) is paid once per machine, not per run.
 */
import * as nodeModule from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type { InstantiateOptions } from "@tvix-ts/eval";
import type { LinkInit } from "@tvix-ts/glue/link";

export interface EvalJob {
  options: Omit<InstantiateOptions, "io" | "searchPath">;
  /** `-I` entries, then the entries of NIX_PATH (byte strings). */
  include: string[];
  nixPath: string;
  /** Link to the host thread's store (derivations, store-backed builtins, fetchers). */
  glue?: LinkInit;
}

export interface EvalResult {
  kind: "done";
  stdout: string;
  status: number;
  stderr: string;
}

try {
  nodeModule.enableCompileCache?.();
} catch {}

const ev = await import("@tvix-ts/eval");
const { NodeEvalIO } = await import("./eval-io.ts");
const glue = await import("@tvix-ts/glue/eval");

export function runJob(job: EvalJob, writeStderr: (data: string) => void): EvalResult {
  const io = new NodeEvalIO(writeStderr);
  const cwd = job.options.cwd;
  try {
    const searchPath = [
      ...job.include.map((e) => ev.parseEntry(e, cwd)),
      ...ev.parseSearchPath(job.nixPath, cwd),
    ];
    const g = job.glue && glue.glueEvaluation(io, job.glue, { storeDir: job.options.storeDir });
    const stdout = ev.instantiateEval({
      ...job.options,
      io: g ? g.io : io,
      searchPath: g ? [...searchPath, ...g.searchPath] : searchPath,
      extraBuiltins: g?.extraBuiltins,
    });
    return { kind: "done", stdout, status: 0, stderr: "" };
  } catch (e) {
    if (e instanceof ev.NixError)
      return { kind: "done", stdout: "", status: 1, stderr: ev.renderEvalError(e) };
    if (e instanceof RangeError && /call stack/.test(e.message))
      return {
        kind: "done",
        stdout: "",
        status: 1,
        stderr: "error: stack overflow (possible infinite recursion)\n",
      };
    throw e;
  }
}

const port = parentPort;
if (port) {
  port.postMessage(
    runJob(workerData as EvalJob, (data) => port.postMessage({ kind: "stderr", data })),
  );
}

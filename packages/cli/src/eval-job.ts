/**
 * One `tvix eval` evaluation, run by the evaluating thread: the main thread when the `tvix`
 * launcher gave it a large stack (see eval-command.ts), otherwise a worker (eval-worker.ts).
 * Errors become `{ status: 1, stderr }`; a JS stack overflow becomes a clean "stack overflow"
 * error. Output and messages are byte strings (latin1 JS strings).
 */

import type { InstantiateOptions } from "@tvix-ts/eval";
import * as ev from "@tvix-ts/eval";
import * as glue from "@tvix-ts/glue/eval";
import type { LinkInit } from "@tvix-ts/glue/link";
import { NodeEvalIO } from "./eval-io.ts";

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

/**
 * One evaluation job in the evaluating thread: `eval` (as `nix-instantiate --eval`) or
 * `instantiate` (print `.drv` paths, persisting everything), with glue attached to the host
 * link. Errors become the rendered message and status 1, as the CLI prints them.
 */
import {
  type EvalIO,
  type InstantiateOptions,
  instantiateEval,
  NixError,
  parseEntry,
  parseSearchPath,
  renderEvalError,
} from "@tvix-ts/eval";
import type { LinkInit } from "../protocol.ts";
import { glueEvaluation } from "./index.ts";
import { instantiateDerivations } from "./instantiate.ts";

export interface GlueJob {
  mode: "eval" | "instantiate";
  options: Omit<InstantiateOptions, "io" | "searchPath" | "extraBuiltins">;
  /** `-I` entries, then NIX_PATH (byte strings). */
  include: string[];
  nixPath: string;
  link: LinkInit;
  /** Write everything computed to the store (default: only when instantiating). */
  persist?: boolean;
}

export interface GlueJobResult {
  stdout: string;
  stderr: string;
  status: number;
}

export function runGlueJob(job: GlueJob, io: EvalIO): GlueJobResult {
  const g = glueEvaluation(io, job.link, {
    storeDir: job.options.storeDir,
    persist: job.persist ?? job.mode === "instantiate",
  });
  const cwd = job.options.cwd;
  try {
    const searchPath = [
      ...job.include.map((e) => parseEntry(e, cwd)),
      ...parseSearchPath(job.nixPath, cwd),
      ...g.searchPath,
    ];
    const opts = { ...job.options, io: g.io, searchPath, extraBuiltins: g.extraBuiltins };
    const stdout = job.mode === "eval" ? instantiateEval(opts) : instantiateDerivations(opts);
    if (g.session.persist) g.session.flush();
    return { stdout, stderr: "", status: 0 };
  } catch (e) {
    if (e instanceof NixError) return { stdout: "", stderr: renderEvalError(e), status: 1 };
    if (e instanceof RangeError && /call stack/.test(e.message))
      return {
        stdout: "",
        stderr: "error: stack overflow (possible infinite recursion)\n",
        status: 1,
      };
    throw e;
  }
}

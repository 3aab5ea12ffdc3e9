/**
 * Runs one `tvix eval` evaluation (eval-job.ts) in a worker thread, whose large stack (set by
 * the parent via `resourceLimits.stackSizeMb`) lets deeply recursive Nix code run. This is the
 * path when the main thread has only Node's default stack (see eval-command.ts). Posts
 * `{ kind: "stderr", data }` messages while running and one `EvalResult` at the end.
 */
import { parentPort, workerData } from "node:worker_threads";
import { enableCompileCache } from "./compile-cache.ts";
import type { EvalJob } from "./eval-job.ts";

enableCompileCache();
const { runJob } = await import("./eval-job.ts");

const port = parentPort;
if (port) {
  port.postMessage(
    runJob(workerData as EvalJob, (data) => port.postMessage({ kind: "stderr", data })),
  );
}

/**
 * The evaluating thread of `tvix instantiate` (and of glue's tests): runs one glue job with the
 * local file system as IO; store requests go to the parent thread over the job's host link.
 */
import { parentPort, workerData } from "node:worker_threads";
import { enableCompileCache } from "./compile-cache.ts";

enableCompileCache();

const { runGlueJob } = await import("@tvix-ts/glue/eval");
const { NodeEvalIO } = await import("./eval-io.ts");

const port = parentPort;
if (port) {
  const io = new NodeEvalIO((data) => port.postMessage({ kind: "stderr", data }));
  port.postMessage({ kind: "done", ...runGlueJob(workerData, io) });
}

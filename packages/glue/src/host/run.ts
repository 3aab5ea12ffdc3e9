/**
 * Runs a glue job in a worker thread with a large stack, serving its store requests from this
 * thread. `workerUrl` is a module that calls `runGlueJob` with its local IO and posts
 * `{ kind: "stderr", data }` messages and one `{ kind: "done", ...GlueJobResult }`.
 */
import { Worker } from "node:worker_threads";
import type { StoreServices } from "@tvix-ts/store";
import type { GlueJob, GlueJobResult } from "../eval/job.ts";
import { GlueHost } from "./host.ts";

export interface RunOptions {
  services: StoreServices;
  stackSizeMb?: number;
  /** Receives stderr output (byte strings) while the job runs. */
  onStderr?: (data: string) => void;
}

export async function runGlueWorker(
  workerUrl: URL,
  job: Omit<GlueJob, "link">,
  opts: RunOptions,
): Promise<GlueJobResult> {
  const host = new GlueHost(opts.services, job.options.storeDir);
  const handle = host.link(job.persist ?? job.mode === "instantiate");
  const worker = new Worker(workerUrl, {
    workerData: { ...job, link: handle.init },
    transferList: handle.transferList,
    resourceLimits: { stackSizeMb: opts.stackSizeMb ?? 512 },
    stdout: false,
    stderr: false,
  });
  try {
    const result = await new Promise<GlueJobResult>((resolve, reject) => {
      worker.on("message", (m: { kind: string; data?: string } & Partial<GlueJobResult>) => {
        if (m.kind === "stderr") opts.onStderr?.(m.data as string);
        else resolve(m as GlueJobResult);
      });
      worker.on("error", (e) => {
        if (e instanceof RangeError || /stack|heap|memory/i.test(String(e)))
          resolve({ stdout: "", status: 1, stderr: `error: ${(e as Error).message}\n` });
        else reject(e);
      });
      worker.on("exit", (code) =>
        resolve({
          stdout: "",
          status: 1,
          stderr: `error: evaluation thread exited with code ${code}\n`,
        }),
      );
    });
    if (result.status === 0) {
      try {
        await host.flush();
      } catch (e) {
        return {
          stdout: "",
          status: 1,
          stderr: `error: writing to the store: ${(e as Error).message}\n`,
        };
      }
    } else await host.settle();
    return result;
  } finally {
    host.close();
    void worker.terminate();
  }
}

/** Running glue jobs in a worker thread for tests (the CLI's instantiate worker, a memory store). */
import { type OpenedStore, openStore } from "@tvix-ts/store";
import type { GlueJob, GlueJobResult } from "../../src/eval/job.ts";
import { runGlueWorker } from "../../src/host/index.ts";

export const workerUrl = new URL("../../../cli/src/instantiate-worker.ts", import.meta.url);

export function memStore(): OpenedStore {
  return openStore({
    blobServiceAddr: "memory://",
    directoryServiceAddr: "memory://",
    pathInfoServiceAddr: "memory://",
  });
}

export interface JobInput {
  mode?: "eval" | "instantiate";
  file?: string;
  expr?: string;
  cwd?: string;
  strict?: boolean;
  json?: boolean;
  attrPaths?: string[];
  persist?: boolean;
  include?: string[];
  nixPath?: string;
}

export async function runJob(
  store: OpenedStore,
  j: JobInput,
): Promise<GlueJobResult & { warnings: string }> {
  let warnings = "";
  const job: Omit<GlueJob, "link"> = {
    mode: j.mode ?? "eval",
    options: {
      file: j.file ?? null,
      expr: j.expr ?? null,
      cwd: j.cwd ?? process.cwd(),
      strict: j.strict ?? true,
      json: j.json ?? false,
      attrPaths: j.attrPaths ?? [],
      storeDir: "/nix/store",
    },
    include: j.include ?? [],
    nixPath: j.nixPath ?? "",
    persist: j.persist,
  };
  const r = await runGlueWorker(workerUrl, job, {
    services: store,
    onStderr: (d) => {
      warnings += d;
    },
  });
  return { ...r, warnings };
}

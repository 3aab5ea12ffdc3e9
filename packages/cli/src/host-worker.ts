/**
 * The store host of an evaluation that runs on the main thread (eval-command.ts): a worker
 * started on the evaluation's first store request, serving the in-memory store over the port in
 * its workerData. The evaluating thread sleeps until each answer arrives, so a failure to load
 * the host is answered to every request instead of leaving it waiting.
 */
import type { MessagePort } from "node:worker_threads";
import { workerData } from "node:worker_threads";
import type { Persist, Request } from "@tvix-ts/glue/link";

export interface HostWorkerData {
  port: MessagePort;
  flag: Int32Array;
  storeDir: string;
}

const { port, flag, storeDir } = workerData as HostWorkerData;
try {
  const { GlueHost, memoryStore } = await import("@tvix-ts/glue/host");
  new GlueHost(memoryStore(), storeDir).attach(port, flag, []);
} catch (e) {
  const message = `the store host could not start: ${(e as Error).message}`;
  port.on("message", (m: Request | Persist) => {
    if (m.op === "persistImport" || m.op === "persistText") return;
    port.postMessage({ ok: false, message });
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
}

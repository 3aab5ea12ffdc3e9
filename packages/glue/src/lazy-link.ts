/**
 * A host link whose host (and with it the store code) is loaded only when the evaluating
 * thread first asks for something, so that `tvix eval` of plain code never pays for loading the
 * store. Messages that arrive while loading are handed to the host in order.
 */
import type { MessagePort } from "node:worker_threads";
import type { LinkInit, Persist, Request } from "./protocol.ts";

export type { LinkInit, Persist, Request };

export interface AttachableHost {
  attach(port: MessagePort, flag: Int32Array, queued: unknown[]): void;
  /** Waits for persist work (and reports its first failure). */
  flush(): Promise<void>;
  close(): void;
}

export interface LazyLink {
  init: LinkInit;
  transferList: MessagePort[];
  /** The host, if it was ever needed. */
  host(): Promise<AttachableHost | undefined>;
  close(): Promise<void>;
}

/** Node's MessageChannel, looked up when needed (node:worker_threads loads streams). */
function newChannel() {
  return new (process.getBuiltinModule("node:worker_threads").MessageChannel)();
}

export function lazyHostLink(persist: boolean, load: () => Promise<AttachableHost>): LazyLink {
  const { port1, port2 } = newChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let loading: Promise<AttachableHost> | undefined;
  const queued: unknown[] = [];
  const onFirst = (m: unknown) => {
    queued.push(m);
    if (loading !== undefined) return;
    loading = load().then((h) => {
      port1.off("message", onFirst);
      h.attach(port1, flag, queued.splice(0));
      return h;
    });
  };
  port1.on("message", onFirst);
  return {
    init: { port: port2, flag, persist },
    transferList: [port2],
    host: async () => (loading === undefined ? undefined : await loading),
    async close() {
      const h = loading === undefined ? undefined : await loading.catch(() => undefined);
      h?.close();
      port1.close();
    },
  };
}

/** A host thread started by `startOnUseLink`. */
export interface HostThread {
  terminate(): Promise<unknown>;
}

/**
 * A link for an evaluation on this very thread, whose host runs in another thread that is
 * started (by `startHost`, given the host's end of the channel) only when the evaluation first
 * needs the store: this thread cannot serve the store while it sleeps waiting for answers.
 */
export function startOnUseLink(
  persist: boolean,
  startHost: (port: MessagePort, flag: Int32Array) => HostThread,
): { init: LinkInit; close(): Promise<void> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let host: HostThread | undefined;
  let port: MessagePort | undefined;
  return {
    init: {
      flag,
      persist,
      start: () => {
        const { port1, port2 } = newChannel();
        host = startHost(port1, flag);
        port = port2;
        return port2;
      },
    },
    async close() {
      port?.close();
      await host?.terminate();
    },
  };
}

/**
 * A host link whose host (and with it the store code) is loaded only when the evaluating
 * thread first asks for something, so that `tvix eval` of plain code never pays for loading the
 * store. Messages that arrive while loading are handed to the host in order.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { LinkInit } from "./protocol.ts";

export type { LinkInit };

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

export function lazyHostLink(persist: boolean, load: () => Promise<AttachableHost>): LazyLink {
  const { port1, port2 } = new MessageChannel();
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

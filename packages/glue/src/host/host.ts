/**
 * The host side of glue: owns the store services and answers the evaluating thread's requests
 * (protocol.ts). Persist messages run concurrently; every synchronous request first waits for
 * them, so reads see what was written. `flush()` waits for all of them and reports the first
 * failure.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { StoreServices } from "@tvix-ts/store";
import type { LinkInit, Persist, Request, Response } from "../protocol.ts";
import { runFetch } from "./fetch.ts";
import { persistImport, persistText } from "./persist.ts";
import { StoreReader } from "./store-read.ts";

export interface HostLinkHandle {
  /** Put into the worker's workerData; `transferList` must be passed along. */
  init: LinkInit;
  transferList: MessagePort[];
}

export class GlueHost {
  readonly services: StoreServices;
  readonly reader: StoreReader;
  readonly #pending = new Set<Promise<void>>();
  readonly #failures: Error[] = [];
  readonly #ports: MessagePort[] = [];

  constructor(services: StoreServices, storeDir = "/nix/store") {
    this.services = services;
    this.reader = new StoreReader(services, storeDir);
  }

  /** A new link for one evaluating thread. */
  link(persist: boolean): HostLinkHandle {
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.attach(port1, flag, []);
    return { init: { port: port2, flag, persist }, transferList: [port2] };
  }

  /** Serves an existing port (see lazy-link.ts); `queued` messages arrived before. */
  attach(port: MessagePort, flag: Int32Array, queued: unknown[]): void {
    this.#ports.push(port);
    for (const m of queued) this.#onMessage(port, flag, m as Request | Persist);
    port.on("message", (m: Request | Persist) => this.#onMessage(port, flag, m));
  }

  #onMessage(port: MessagePort, flag: Int32Array, m: Request | Persist): void {
    if (m.op === "persistImport" || m.op === "persistText") {
      const p = this.#persist(m).catch((e: Error) => {
        this.#failures.push(e);
      });
      this.#pending.add(p);
      void p.finally(() => this.#pending.delete(p));
      return;
    }
    void this.#answer(m).then((r) => {
      port.postMessage(r);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  }

  #persist(m: Persist): Promise<void> {
    if (m.op === "persistImport")
      return persistImport(
        this.services,
        m.storePath,
        m.source,
        m.excluded,
        m.flat,
        m.narSha256Hex,
      );
    return persistText(this.services, m.storePath, Buffer.from(m.contents, "latin1"), m.refs);
  }

  async #answer(m: Request): Promise<Response> {
    try {
      await this.settle();
      return { ok: true, value: await this.#handle(m) };
    } catch (e) {
      return { ok: false, message: (e as Error).message ?? String(e) };
    }
  }

  async #handle(m: Request): Promise<unknown> {
    switch (m.op) {
      case "stat":
        return this.reader.stat(m.path);
      case "readFile":
        return this.reader.readFile(m.path);
      case "readDir":
        return this.reader.readDir(m.path);
      case "references":
        return this.reader.references(m.storePath);
      case "fetch":
        return runFetch(this.services, m.fetch, m.expectedPath);
      case "flush":
        await this.flush();
        return null;
    }
  }

  /** Waits for the persist work queued so far (without reporting failures). */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Waits for all persist work; throws the first failure. */
  async flush(): Promise<void> {
    await this.settle();
    const f = this.#failures.shift();
    if (f !== undefined) throw f;
  }

  /** Stops listening (the services belong to the caller). */
  close(): void {
    for (const p of this.#ports) p.close();
    this.#ports.length = 0;
  }
}

/**
 * The evaluating thread's side of the host link: synchronous calls into the host thread (which
 * owns the asynchronous store services), by posting on a MessagePort and sleeping on a shared
 * flag until the answer is there. See protocol.ts.
 */
import { receiveMessageOnPort } from "node:worker_threads";
import type { LinkInit, Persist, Request, Response } from "../protocol.ts";

export class HostCallError extends Error {
  readonly kind: string | undefined;
  constructor(message: string, kind?: string) {
    super(message);
    this.name = "HostCallError";
    this.kind = kind;
  }
}

export class HostLink {
  readonly #init: LinkInit;
  #start: (() => void) | undefined;
  constructor(init: LinkInit) {
    this.#init = init;
    this.#start = init.start;
  }

  #started(): void {
    const start = this.#start;
    this.#start = undefined;
    start?.();
  }

  get persist(): boolean {
    return this.#init.persist;
  }

  /** Sends a request and blocks this thread until the host answers. */
  call(req: Request): unknown {
    const { port, flag } = this.#init;
    if (this.#start !== undefined) this.#started();
    Atomics.store(flag, 0, 0);
    port.postMessage(req);
    for (;;) {
      Atomics.wait(flag, 0, 0, 1000);
      const m = receiveMessageOnPort(port);
      if (m !== undefined) {
        const r = m.message as Response;
        if (r.ok) return r.value;
        throw new HostCallError(r.message, r.kind);
      }
    }
  }

  /** Queues work for the host without waiting (it is awaited before any later call returns). */
  post(msg: Persist): void {
    if (this.#start !== undefined) this.#started();
    this.#init.port.postMessage(msg);
  }
}

/**
 * The evaluating thread's side of the host link: synchronous calls into the host thread (which
 * owns the asynchronous store services), by posting on a MessagePort and sleeping on a shared
 * flag until the answer is there. See protocol.ts.
 */
import type { MessagePort } from "node:worker_threads";
import type { LinkInit, Persist, Request, Response } from "../protocol.ts";

/** Looked up on first use: loading node:worker_threads costs start-up (it loads streams). */
let receiveMessageOnPort: typeof import("node:worker_threads").receiveMessageOnPort | undefined;

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
  #port: MessagePort | undefined;
  constructor(init: LinkInit) {
    this.#init = init;
    this.#port = init.port;
  }

  #openPort(): MessagePort {
    if (this.#port !== undefined) return this.#port;
    if (this.#init.start === undefined) throw new Error("host link without a port");
    this.#port = this.#init.start();
    return this.#port;
  }

  get persist(): boolean {
    return this.#init.persist;
  }

  /** Sends a request and blocks this thread until the host answers. */
  call(req: Request): unknown {
    const port = this.#openPort();
    const { flag } = this.#init;
    receiveMessageOnPort ??= process.getBuiltinModule("node:worker_threads").receiveMessageOnPort;
    const receive = receiveMessageOnPort;
    Atomics.store(flag, 0, 0);
    port.postMessage(req);
    for (;;) {
      Atomics.wait(flag, 0, 0, 1000);
      const m = receive(port);
      if (m !== undefined) {
        const r = m.message as Response;
        if (r.ok) return r.value;
        throw new HostCallError(r.message, r.kind);
      }
    }
  }

  /** Queues work for the host without waiting (it is awaited before any later call returns). */
  post(msg: Persist): void {
    this.#openPort().postMessage(msg);
  }
}

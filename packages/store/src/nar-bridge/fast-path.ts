/**
 * narinfo requests answered on the socket, before node:http sees the connection. A narinfo
 * is the most frequent request a binary cache gets (Nix asks for one per path, hits and misses
 * alike) and its answer is a few hundred bytes nar-bridge keeps rendered; node:http's
 * per-request machinery (request and response objects, header handling, stream bookkeeping)
 * cost more than the rest of such a request together.
 *
 * Every connection starts here. A complete `GET` or `HEAD` of `/<hash>.narinfo` over HTTP/1.1
 * with plain headers (a Host; no body, Expect or Upgrade; Connection only as `keep-alive`) is
 * answered from the bridge's narinfo cache, or after one store lookup, with exactly the status,
 * headers and body node:http would have sent. The first request that is anything else (another path, another
 * method, a partial request, a header this path does not handle, a lookup that fails) hands
 * the connection to node:http with that request's bytes, and node:http serves it from then on.
 * Requests a client sends ahead (pipelining) are answered in order either way.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

/** A rendered narinfo; `wire` is this module's cache of the complete answers. */
export interface FastNarinfo {
  readonly body: Buffer;
  wire?: FastWire;
}

/**
 * The narinfo at a request target: the entry, null when there is none (404), undefined when the
 * target is not one this path answers (or must be left to node:http).
 */
export type NarinfoSource = (
  target: string,
) => FastNarinfo | null | undefined | Promise<FastNarinfo | null>;

/** The complete answers for one second (they carry a Date header). */
export interface FastWire {
  readonly second: number;
  readonly get: Buffer;
  readonly head: Buffer;
}

// Request line and header fields as RFC 9112 allows them (token names, visible or obs-text
// values); anything else goes to node:http, which answers it as it always does.
const REQUEST =
  /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.1\r\n((?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*\r\n)*)$/;
const NOT_HERE =
  /^(?:content-length|transfer-encoding|expect|upgrade)[\t ]*:|^connection[\t ]*:(?![\t ]*keep-alive[\t ]*\r$)/im;
const HOST = /^host[\t ]*:/im;
const HEAD_END = Buffer.from("\r\n\r\n");
/** Bytes a connection may send ahead while a lookup is pending. */
const MAX_AHEAD = 64 * 1024;
/** Answers not yet sent beyond which the connection goes to node:http (see `#process`). */
const MAX_UNSENT = 256 * 1024;

class Answers {
  readonly #keepAlive: string;
  #second = -1;
  #date = "";
  #notFound: FastWire | undefined;

  constructor(keepAliveMs: number) {
    this.#keepAlive = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n`;
  }

  #now(): number {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#date = new Date(second * 1000).toUTCString();
    }
    return second;
  }

  #wire(second: number, status: string, type: string, body: Buffer): FastWire {
    const head = Buffer.from(
      `HTTP/1.1 ${status}\r\ncontent-type: ${type}\r\ncontent-length: ${body.length}\r\nDate: ${this.#date}\r\n${this.#keepAlive}\r\n`,
      "latin1",
    );
    return { second, head, get: Buffer.concat([head, body]) };
  }

  of(entry: FastNarinfo | null, head: boolean): Buffer {
    const second = this.#now();
    let w: FastWire;
    if (entry === null) {
      if (this.#notFound?.second !== second) {
        this.#notFound = this.#wire(
          second,
          "404 Not Found",
          "text/plain; charset=utf-8",
          Buffer.from("not found\n"),
        );
      }
      w = this.#notFound;
    } else {
      if (entry.wire?.second !== second) {
        entry.wire = this.#wire(second, "200 OK", "text/x-nix-narinfo", entry.body);
      }
      w = entry.wire;
    }
    return head ? w.head : w.get;
  }
}

class Connection {
  readonly #socket: Socket;
  readonly #path: FastPath;
  /** Bytes received while a lookup is pending (answered after it, in order). */
  #ahead: Buffer[] = [];
  #aheadBytes = 0;
  #waiting = false;
  #ended = false;

  constructor(socket: Socket, path: FastPath) {
    this.#socket = socket;
    this.#path = path;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("timeout", this.#onTimeout);
    socket.once("close", () => path.live.delete(this));
    socket.setTimeout(path.keepAliveMs);
  }

  get idle(): boolean {
    return !this.#waiting;
  }

  /** Shutdown of an idle connection. */
  close(): void {
    this.#path.live.delete(this);
    this.#socket.destroy();
  }

  readonly #onData = (d: Buffer): void => {
    if (this.#socket.writableEnded) return; // closing: nothing more is answered
    if (this.#waiting) {
      this.#ahead.push(d);
      this.#aheadBytes += d.length;
      if (this.#aheadBytes > MAX_AHEAD) this.#socket.destroy();
      return;
    }
    this.#process(d);
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    if (!this.#waiting) this.#finish();
  };

  readonly #onError = (): void => {
    this.#socket.destroy();
  };

  readonly #onTimeout = (): void => {
    this.#socket.destroy();
  };

  #finish(): void {
    this.#path.live.delete(this);
    this.#socket.end();
  }

  /** Answers the complete narinfo requests at the start of `d`; hands the rest to node:http. */
  #process(d: Buffer): void {
    let pos = 0;
    // A client that sends requests ahead without reading the answers is left to node:http's
    // flow control once this many bytes are waiting to be sent.
    while (pos < d.length && this.#socket.writableLength <= MAX_UNSENT) {
      const end = d.indexOf(HEAD_END, pos);
      if (end < 0) break;
      const m = REQUEST.exec(d.toString("latin1", pos, end + 2));
      if (!m || NOT_HERE.test(m[3]!) || !HOST.test(m[3]!)) break;
      const head = m[1] === "HEAD";
      const found = this.#path.source(m[2]!);
      if (found === undefined) break;
      if (found instanceof Promise) {
        this.#wait(found, d.subarray(pos), d.subarray(end + 4), head);
        return;
      }
      this.#socket.write(this.#path.answers.of(found, head));
      pos = end + 4;
    }
    if (pos < d.length) this.#handOff(d.subarray(pos));
    else if (this.#path.closing) this.#finish();
  }

  #wait(found: Promise<FastNarinfo | null>, request: Buffer, rest: Buffer, head: boolean): void {
    this.#waiting = true;
    if (rest.length > 0) {
      this.#ahead.push(rest);
      this.#aheadBytes += rest.length;
    }
    const resume = (answer: Buffer | undefined) => {
      this.#waiting = false;
      const ahead = this.#ahead.length === 1 ? this.#ahead[0]! : Buffer.concat(this.#ahead);
      this.#ahead = [];
      this.#aheadBytes = 0;
      if (this.#socket.destroyed) return;
      if (answer === undefined) {
        // Lookup failed: node:http serves this request again (and reports the error).
        this.#handOff(ahead.length > 0 ? Buffer.concat([request, ahead]) : request);
        return;
      }
      this.#socket.write(answer);
      if (ahead.length > 0) this.#process(ahead);
      else if (this.#ended || this.#path.closing) this.#finish();
    };
    found.then(
      (entry) => resume(this.#path.answers.of(entry, head)),
      () => resume(undefined),
    );
  }

  #handOff(rest: Buffer): void {
    const s = this.#socket;
    this.#path.live.delete(this);
    s.off("data", this.#onData);
    s.off("end", this.#onEnd);
    s.off("error", this.#onError);
    s.off("timeout", this.#onTimeout);
    s.setTimeout(0);
    this.#path.httpConnection(s);
    // node:http now reads the socket itself; what was read already goes to its parser first.
    s.emit("data", rest);
    if (this.#ended) s.emit("end");
  }
}

class FastPath {
  readonly source: NarinfoSource;
  readonly answers: Answers;
  readonly keepAliveMs: number;
  readonly httpConnection: (socket: Socket) => void;
  readonly live = new Set<Connection>();
  closing = false;

  constructor(server: Server, http: (socket: Socket) => void, source: NarinfoSource) {
    this.source = source;
    this.keepAliveMs = server.keepAliveTimeout;
    this.answers = new Answers(this.keepAliveMs);
    this.httpConnection = (socket) => http.call(server, socket);
  }
}

/**
 * Puts the narinfo path in front of `server`'s connections (call before it listens, after
 * setting `keepAliveTimeout`). Returns a function for shutdown that closes the connections
 * it holds that are idle, or undefined (and changes nothing) when `server` does not look like
 * node:http's (then node:http serves everything).
 */
export function installFastPath(server: Server, source: NarinfoSource): (() => void) | undefined {
  const listeners = server.listeners("connection");
  if (listeners.length !== 1 || typeof listeners[0] !== "function") return undefined;
  const http = listeners[0] as (socket: Socket) => void;
  const path = new FastPath(server, http, source);
  server.removeListener("connection", http);
  server.on("connection", (socket: Socket) => {
    path.live.add(new Connection(socket, path));
  });
  return () => {
    path.closing = true;
    for (const c of path.live) {
      if (c.idle) c.close();
    }
  };
}

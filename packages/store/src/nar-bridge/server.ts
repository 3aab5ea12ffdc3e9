/**
 * nar-bridge (castore-store.md §13): a Nix HTTP binary cache in front of the store, on node:http.
 *
 * | method    | path                                   | what                                   |
 * |-----------|----------------------------------------|----------------------------------------|
 * | GET       | `/`                                    | hello                                  |
 * | GET, HEAD | `/nix-cache-info`                      | store dir, mass query, priority        |
 * | GET, HEAD | `/<hash>.narinfo`                      | the PathInfo as narinfo (signed when a key is configured) |
 * | GET, HEAD | `/<hash>.ls`                           | NAR listing, computed without rendering |
 * | GET, HEAD | `/nar/tvix-castore/<node>?narsize=N`   | the NAR, streamed; Range requests; `&compression=zstd` |
 * | PUT       | `/nar/<filehash>.nar[.xz|.zst|…]`      | NAR upload (any compression Nix writes) |
 * | GET, HEAD | `/nar/<filehash>.nar[.xz|…]`           | a NAR this process received, by its upload name |
 * | PUT       | `/<hash>.narinfo`                      | narinfo upload, only for an uploaded NAR |
 *
 * Uploads are validated before anything becomes visible: a NAR must hash to the file hash in
 * its URL and parse; a narinfo must name an uploaded NAR with the same NarHash and NarSize, be
 * filed under its own hash, and have all its references present. Every bad request gets a 4xx
 * with a one-line reason; store failures are 500.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { createZstdCompress } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import {
  type BlobService,
  type DirectoryService,
  digestEquals,
  type Node,
  ValidationError,
} from "@tvix-ts/castore";
import {
  formatNarInfo,
  MIME_NAR,
  MIME_NARINFO,
  NarInfoError,
  nixbase32,
  parseNarFileName,
  parseNarInfo,
  parseNarInfoPath,
  type SigningKey,
  serializeListing,
} from "@tvix-ts/nix-compat";
import { compressAs } from "../compress.ts";
import { decompressAs, narCompression } from "../decompress.ts";
import { findCause, NarIngestError, NarRenderError, StoreError } from "../errors.ts";
import { NodeSchema } from "../gen/tvix/castore/v1/castore_pb.ts";
import { ingestNar } from "../nar/ingest.ts";
import { NarLayout, releaseNarChunk } from "../nar/layout.ts";
import { PathInfo, type PathInfoReference } from "../path-info/path-info.ts";
import { anonymousNodeFromMsg } from "../path-info/proto.ts";
import type { PathInfoService } from "../pathinfo/types.ts";
import { type FastNarinfo, installFastPath } from "./fast-path.ts";
import { HttpError, parseRange, readBody, reply, writeStream } from "./http.ts";
import { PendingNars } from "./pending.ts";
import { narUrl } from "./urls.ts";

export interface NarBridgeOptions {
  readonly blobService: BlobService;
  readonly directoryService: DirectoryService;
  readonly pathInfoService: PathInfoService;
  /** `Priority:` in nix-cache-info (default 39, as Tvix). */
  readonly priority?: number;
  /** Signs served narinfos (a signature already present is not repeated). */
  readonly signingKey?: SigningKey;
  /** Serve NARs zstd-compressed (`Compression: zstd` in narinfos). */
  readonly narCompression?: "none" | "zstd";
}

const NARINFO_LIMIT = 2 * 1024 * 1024;
const MAX_NODE_PROTO = 4096;
const NAR_HEADERS = {
  "content-type": MIME_NAR,
  "cache-control": "max-age=31536000, immutable",
};

/** The request handler (use with any node:http server). */
export function narBridgeHandler(
  opts: NarBridgeOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return handlerOf(new Bridge(opts, new PendingNars()));
}

function handlerOf(bridge: Bridge): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (bridge.cached(req, res)) return;
    bridge.handle(req, res).catch((e) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (!res.headersSent) {
        const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
        const allow = (e as { allow?: string }).allow;
        if (allow) headers.allow = allow;
        reply(
          res,
          status,
          `${e instanceof Error ? e.message : String(e)}\n`,
          headers,
          req.method === "HEAD",
        );
      } else {
        res.destroy(); // mid-stream failure: the client must see a broken transfer
      }
      // A body the client is still sending is not read: close the connection after replying.
      if (!req.complete) req.resume();
    });
  };
}

const NOT_FOUND_HEADERS = { "content-type": "text/plain; charset=utf-8" };

/** Rendered narinfos kept this long: a PathInfo only changes when signatures are added. */
const NARINFO_TTL_MS = 10_000;
const NARINFO_CACHE_MAX = 10_000;

interface CachedNarinfo extends FastNarinfo {
  readonly headers: readonly [string, string][];
  readonly until: number;
}

/** narinfo request targets the socket fast path may look up (others go to node:http). */
const NARINFO_TARGET = /^\/[0-9a-z]{1,64}\.narinfo$/;

class Bridge {
  readonly #o: NarBridgeOptions;
  readonly #pending: PendingNars;
  /**
   * Request path (`/<hash>.narinfo`) -> rendered narinfo, so hot paths skip the lookup, decode
   * and signing; `cached` answers them without any async step.
   */
  readonly #narinfos = new Map<string, CachedNarinfo>();

  constructor(o: NarBridgeOptions, pending: PendingNars) {
    this.#o = o;
    this.#pending = pending;
  }

  /**
   * Answers a GET or HEAD of a narinfo rendered less than `NARINFO_TTL_MS` ago, right away
   * (the request target must be exactly the path it was cached under); false for anything
   * else, which `handle` then serves.
   */
  cached(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if (method !== "GET" && method !== "HEAD") return false;
    const hit = this.#narinfos.get(req.url ?? "");
    if (hit === undefined || hit.until <= Date.now()) return false;
    res.writeHead(200, hit.headers as [string, string][]);
    res.end(method === "HEAD" ? undefined : hit.body);
    return true;
  }

  /** `NarinfoSource` for the socket fast path (fast-path.ts). */
  readonly narinfo = (
    target: string,
  ): CachedNarinfo | null | undefined | Promise<CachedNarinfo | null> => {
    const hit = this.#narinfos.get(target);
    if (hit !== undefined && hit.until > Date.now()) return hit;
    if (!NARINFO_TARGET.test(target)) return undefined;
    return this.#render(target.slice(1));
  };

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = targetUrl(req.url ?? "/");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const head = method === "HEAD";
    const readOnly = method === "GET" || head;

    if (path === "/") {
      if (!readOnly) throw methodNotAllowed("GET, HEAD");
      return reply(res, 200, "Hello from nar-bridge\n", { "content-type": "text/plain" }, head);
    }
    if (path === "/nix-cache-info") {
      if (!readOnly) throw methodNotAllowed("GET, HEAD");
      const body = `StoreDir: /nix/store\nWantMassQuery: 1\nPriority: ${this.#o.priority ?? 39}\n`;
      return reply(res, 200, body, { "content-type": "text/x-nix-cache-info" }, head);
    }
    if (path.startsWith("/nar/tvix-castore/")) {
      if (!readOnly) throw methodNotAllowed("GET, HEAD");
      return this.#narDownload(req, res, url, head);
    }
    if (path.startsWith("/nar/")) {
      if (method === "PUT") return this.#narUpload(req, res, path.slice("/nar/".length));
      if (readOnly) return this.#uploadedNarDownload(res, path.slice("/nar/".length), head);
      throw methodNotAllowed("PUT");
    }
    const name = path.slice(1);
    if (name.endsWith(".narinfo")) {
      if (method === "PUT") return this.#narinfoUpload(req, res, name);
      if (!readOnly) throw methodNotAllowed("GET, HEAD, PUT");
      return this.#narinfoDownload(res, name, head);
    }
    if (name.endsWith(".ls")) {
      if (method === "PUT") {
        // Nix uploads listings when asked to (write-nar-listing); ours are computed.
        await readBody(req, NARINFO_LIMIT);
        return reply(res, 200);
      }
      if (!readOnly) throw methodNotAllowed("GET, HEAD, PUT");
      return this.#listing(res, name, head);
    }
    throw new HttpError(404, "not found");
  }

  /** The PathInfo `name` (`<hash><suffix>`) asks for; undefined when there is none. */
  async #lookup(name: string, suffix: string): Promise<PathInfo | undefined> {
    const digest = parseNarInfoPath(`${name.slice(0, -suffix.length)}.narinfo`);
    return digest && (await this.#o.pathInfoService.get(digest));
  }

  async #narinfoDownload(res: ServerResponse, name: string, head: boolean): Promise<void> {
    const entry = await this.#render(name);
    // Misses are frequent (a client asks every cache it knows): answered without an error.
    if (!entry) return reply(res, 404, "not found\n", NOT_FOUND_HEADERS, head);
    res.writeHead(200, entry.headers as [string, string][]);
    res.end(head ? undefined : entry.body);
  }

  /** Renders (and caches) the narinfo `name` asks for; null when there is none. */
  async #render(name: string): Promise<CachedNarinfo | null> {
    let info = await this.#lookup(name, ".narinfo");
    if (!info) return null;
    if (this.#o.signingKey) info = info.sign(this.#o.signingKey);
    const zstd = this.#o.narCompression === "zstd";
    const ni = info.toNarInfo(narUrl(info.node, info.narSize) + (zstd ? "&compression=zstd" : ""));
    if (zstd) ni.compression = "zstd";
    const body = Buffer.from(formatNarInfo(ni));
    if (this.#narinfos.size >= NARINFO_CACHE_MAX) this.#narinfos.clear();
    const headers: [string, string][] = [
      ["content-type", MIME_NARINFO],
      ["content-length", String(body.length)],
    ];
    const entry = { body, headers, until: Date.now() + NARINFO_TTL_MS };
    this.#narinfos.set(`/${name}`, entry);
    return entry;
  }

  async #listing(res: ServerResponse, name: string, head: boolean): Promise<void> {
    const info = await this.#lookup(name, ".ls");
    if (!info) throw new HttpError(404, "not found");
    const layout = await NarLayout.build(info.node, this.#o.directoryService);
    reply(res, 200, serializeListing(layout.listing), { "content-type": "application/json" }, head);
  }

  async #narDownload(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    head: boolean,
  ): Promise<void> {
    const enc = url.pathname.slice("/nar/tvix-castore/".length);
    if (!/^[A-Za-z0-9_-]+$/.test(enc)) throw new HttpError(404, "invalid node encoding");
    const raw = Buffer.from(enc, "base64url");
    if (raw.length > MAX_NODE_PROTO) throw new HttpError(400, "node too large");
    let node: Node;
    try {
      node = anonymousNodeFromMsg(fromBinary(NodeSchema, raw));
    } catch (e) {
      if (e instanceof ValidationError) throw new HttpError(400, `invalid node: ${e.message}`);
      throw new HttpError(404, "invalid node encoding");
    }
    const narSizeParam = url.searchParams.get("narsize");
    if (narSizeParam === null || !/^\d{1,16}$/.test(narSizeParam)) {
      throw new HttpError(400, "missing or invalid narsize");
    }
    const compression = url.searchParams.get("compression") ?? "none";
    if (compression !== "none" && compression !== "zstd") {
      throw new HttpError(400, `unsupported compression ${compression}`);
    }
    let layout: NarLayout;
    try {
      layout = await NarLayout.build(node, this.#o.directoryService);
    } catch (e) {
      if (e instanceof NarRenderError && e.code === "directory-not-found") {
        throw new HttpError(404, e.message);
      }
      throw e;
    }
    if (layout.size !== Number(narSizeParam)) {
      throw new HttpError(
        400,
        `narsize ${narSizeParam} does not match the NAR (${layout.size} bytes)`,
      );
    }
    if (compression === "zstd") {
      res.writeHead(200, NAR_HEADERS);
      if (head) return void res.end();
      const z = createZstdCompress();
      const src = Readable.from(layout.read(this.#o.blobService), { objectMode: false });
      src.on("error", (e) => z.destroy(e));
      await writeStream(res, src.pipe(z));
      res.end();
      return;
    }
    const range = parseRange(
      typeof req.headers.range === "string" ? req.headers.range : undefined,
      layout.size,
    );
    if (range.kind === "unsatisfiable") {
      return reply(res, 416, "", { "content-range": `bytes */${layout.size}` }, head);
    }
    const [start, end] = range.kind === "range" ? [range.start, range.end] : [0, layout.size];
    const headers: Record<string, string | number> = {
      ...NAR_HEADERS,
      "accept-ranges": "bytes",
      "content-length": end - start,
    };
    if (range.kind === "range")
      headers["content-range"] = `bytes ${start}-${end - 1}/${layout.size}`;
    res.writeHead(range.kind === "range" ? 206 : 200, headers);
    if (head) return void res.end();
    const chunks = layout.read(this.#o.blobService, start, end);
    if (await writeStream(res, chunks, releaseNarChunk)) res.end();
  }

  async #narUpload(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const parsed = parseNarFileName(name);
    if (!parsed) throw new HttpError(400, `invalid NAR file name ${JSON.stringify(name)}`);
    const method = parsed.compression && narCompression(parsed.compression);
    if (!method)
      throw new HttpError(400, `unsupported NAR compression ${JSON.stringify(parsed.extension)}`);
    const fileHash = createHash("sha256");
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const c of req as AsyncIterable<Buffer>) {
        fileHash.update(c);
        yield c;
      }
    }
    // The file hash is checked before the NAR's directories are committed, so a NAR uploaded
    // under the wrong name leaves no closure behind.
    const checkFileHash = () => {
      const got = new Uint8Array(fileHash.digest());
      if (!digestEquals(got, parsed.fileHash)) {
        throw new HttpError(
          400,
          `uploaded file hashes to sha256:${nixbase32.encode(got)}, not the sha256:${nixbase32.encode(parsed.fileHash)} of its name`,
        );
      }
    };
    let result: Awaited<ReturnType<typeof ingestNar>>;
    try {
      result = await ingestNar(
        this.#o.blobService,
        this.#o.directoryService,
        decompressAs(method, hashed()),
        { beforeCommit: checkFileHash },
      );
    } catch (e) {
      if (e instanceof NarIngestError && e.code !== "upload") throw new HttpError(400, e.message);
      // Corrupt compressed data, however deep in the NAR (and so however wrapped) it shows.
      if (findCause(e, isDecompressError)) throw new HttpError(400, (e as Error).message);
      throw e;
    }
    this.#pending.add(parsed.fileHash, result, method);
    reply(res, 200);
  }

  /**
   * A NAR under the name it was uploaded with (`nar/<filehash>.nar.xz`): Nix caches the
   * narinfo it uploaded and later asks for that URL. Served re-compressed the same way (Nix
   * checks the NAR hash, not the file hash). Only for uploads this process has seen.
   */
  async #uploadedNarDownload(res: ServerResponse, name: string, head: boolean): Promise<void> {
    const parsed = parseNarFileName(name);
    const file = parsed && this.#pending.byFileHash(parsed.fileHash);
    const method = parsed?.compression && narCompression(parsed.compression);
    if (!file || method !== file.compression) throw new HttpError(404, "not found");
    const layout = await NarLayout.build(file.node, this.#o.directoryService);
    const headers: Record<string, string | number> = { ...NAR_HEADERS };
    if (method === "none") headers["content-length"] = layout.size;
    res.writeHead(200, headers);
    if (head) return void res.end();
    if (await writeStream(res, compressAs(method, layout.read(this.#o.blobService)))) res.end();
  }

  async #narinfoUpload(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const digest = parseNarInfoPath(name);
    if (!digest) throw new HttpError(400, `invalid narinfo name ${JSON.stringify(name)}`);
    const body = await readBody(req, NARINFO_LIMIT);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      throw new HttpError(400, "narinfo is not UTF-8");
    }
    let ni: ReturnType<typeof parseNarInfo>;
    try {
      ni = parseNarInfo(text);
    } catch (e) {
      if (e instanceof NarInfoError) throw new HttpError(400, `invalid narinfo: ${e.message}`);
      throw e;
    }
    if (!digestEquals(ni.storePath.digest, digest)) {
      throw new HttpError(400, `narinfo for ${ni.storePath.baseName} uploaded as ${name}`);
    }
    const nar = this.#pending.byNarHash(ni.narHash.digest);
    if (!nar) {
      throw new HttpError(
        400,
        `no NAR with NarHash ${ni.narHash.toNixBase32String()} was uploaded`,
      );
    }
    if (nar.narSize !== ni.narSize) {
      throw new HttpError(
        400,
        `NarSize ${ni.narSize} does not match the uploaded NAR (${nar.narSize})`,
      );
    }
    const references: PathInfoReference[] = [];
    for (const r of ni.references) {
      if (digestEquals(r.digest, ni.storePath.digest)) {
        references.push({ path: r, node: nar.node });
        continue;
      }
      const ref = await this.#o.pathInfoService.get(r.digest);
      if (!ref) throw new HttpError(400, `reference ${r.baseName} is not in this cache`);
      references.push({ path: r, node: ref.node });
    }
    this.#narinfos.delete(`/${name}`);
    await this.#o.pathInfoService.put(
      new PathInfo({
        storePath: ni.storePath,
        node: nar.node,
        references,
        narSize: nar.narSize,
        narSha256: nar.narSha256,
        signatures: ni.signatures,
        deriver: ni.deriver,
        ca: ni.ca,
      }),
    );
    reply(res, 200);
  }
}

/**
 * The URL of a request target. An origin-form target (`/path?query`) is appended to a fixed
 * origin rather than resolved against it: resolving takes `//x/y` for a host `x` and path `/y`,
 * so `//<hash>.narinfo` would be `/`. Other forms (absolute-form) are resolved as before.
 */
function targetUrl(target: string): URL {
  return target.startsWith("/")
    ? new URL(`http://bridge${target}`)
    : new URL(target, "http://bridge");
}

function isDecompressError(e: unknown): e is StoreError {
  return e instanceof StoreError && e.code === "decompress";
}

function methodNotAllowed(allow: string): HttpError {
  const e = new HttpError(405, "method not allowed");
  (e as HttpError & { allow?: string }).allow = allow;
  return e;
}

export interface NarBridgeServer {
  /** `host:port` actually bound. */
  readonly address: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts nar-bridge on `host:port` (port 0 picks one). narinfo requests are answered on the
 * socket before node:http sees the connection (fast-path.ts) unless `fastPath` is false.
 */
export async function startNarBridge(
  opts: NarBridgeOptions & {
    readonly host?: string;
    readonly port: number;
    readonly fastPath?: boolean;
  },
): Promise<NarBridgeServer> {
  const bridge = new Bridge(opts, new PendingNars());
  const server: Server = createServer({ keepAlive: true }, handlerOf(bridge));
  server.keepAliveTimeout = 30_000;
  // A client that shuts down its sending side after the request (`nc -N`, some proxies) still
  // wants the answer; by default node:http aborts such a request instead. The property is
  // node:http's own (not in its types; a test checks it still works).
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const closeFast = opts.fastPath === false ? undefined : installFastPath(server, bridge.narinfo);
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`,
    port: a.port,
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      closeFast?.();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

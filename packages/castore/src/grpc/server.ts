/**
 * gRPC servers for BlobService and DirectoryService (castore-store.md §2.4), over HTTP/2
 * without TLS (h2c) on TCP or a Unix socket, as Tvix's daemon serves them. Differences from
 * Tvix: validation failures in Put are INVALID_ARGUMENT (Tvix says INTERNAL), and a Put stream
 * that breaks off is aborted so nothing of it becomes visible.
 */
import { lstat, unlink } from "node:fs/promises";
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import { connect } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { BlobService } from "../blob/types.ts";
import { READ_PIECE_SIZE } from "../blob/types.ts";
import type { DirectoryService } from "../directory/types.ts";
import { BlobService as BlobServiceDesc } from "../gen/tvix/castore/v1/rpc_blobstore_pb.ts";
import { DirectoryService as DirectoryServiceDesc } from "../gen/tvix/castore/v1/rpc_directory_pb.ts";
import { type B3Digest, digestToString, isB3Digest } from "../model/digest.ts";
import { directoryFromProto, directoryToProto } from "../model/proto.ts";
import { toConnectError } from "./errors.ts";

function digestArg(d: Uint8Array): B3Digest {
  if (!isB3Digest(d)) throw new ConnectError("invalid digest length", Code.InvalidArgument);
  return d;
}

/**
 * The largest message a server takes. Without a limit, connect accepts up to 4 GiB and buffers
 * whatever a client streams towards a declared length (a fuzzer grew a server to 1.2 GB with one
 * call). Tvix's servers (tonic) take at most 4 MiB; this allows directories with ~100,000
 * entries, and this package's clients send blob data in 1 MiB messages.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * The answer to a method no route serves: gRPC's "Trailers-Only" UNIMPLEMENTED (HTTP 200 with
 * grpc-status 12), as Tvix's servers (tonic) answer, instead of connect's bare HTTP 404, which
 * gRPC clients report as a transport failure.
 */
export const unknownMethod = (
  req: { readonly url?: string },
  res: {
    writeHead(status: number, headers: Record<string, string>): unknown;
    end(): unknown;
  },
): void => {
  res.writeHead(200, {
    "content-type": "application/grpc",
    "grpc-status": String(Code.Unimplemented),
    "grpc-message": encodeURIComponent(`unknown method ${req.url ?? ""}`),
  });
  res.end();
};

export function blobServiceRoutes(router: ConnectRouter, blobs: BlobService): void {
  router.service(BlobServiceDesc, {
    async stat(req) {
      const digest = digestArg(req.digest);
      const st = await blobs.stat(digest, { withChunks: true }).catch((e) => {
        throw toConnectError(e);
      });
      if (!st) throw new ConnectError(`blob ${digestToString(digest)} not found`, Code.NotFound);
      return {
        chunks: (st.chunks ?? []).map((c) => ({ digest: c.digest, size: BigInt(c.size) })),
      };
    },
    async *read(req) {
      const digest = digestArg(req.digest);
      const reader = await blobs.openRead(digest).catch((e) => {
        throw toConnectError(e);
      });
      if (!reader)
        throw new ConnectError(`blob ${digestToString(digest)} not found`, Code.NotFound);
      try {
        for (;;) {
          const data = await reader.read(READ_PIECE_SIZE);
          if (data.length === 0) break;
          yield { data };
        }
      } catch (e) {
        throw toConnectError(e);
      } finally {
        await reader.close();
      }
    },
    async put(requests) {
      const writer = blobs.openWrite();
      try {
        for await (const chunk of requests) await writer.write(chunk.data);
      } catch (e) {
        // The client went away or sent garbage: throw the partial blob away.
        await writer.abort().catch(() => {});
        throw toConnectError(e);
      }
      try {
        return { digest: await writer.close() };
      } catch (e) {
        throw toConnectError(e);
      }
    },
  });
}

export function directoryServiceRoutes(router: ConnectRouter, dirs: DirectoryService): void {
  router.service(DirectoryServiceDesc, {
    async *get(req) {
      if (req.byWhat.case !== "digest") {
        throw new ConnectError("invalid by_what", Code.InvalidArgument);
      }
      const digest = digestArg(req.byWhat.value);
      try {
        if (!req.recursive) {
          const d = await dirs.get(digest);
          if (!d) {
            throw new ConnectError(`directory ${digestToString(digest)} not found`, Code.NotFound);
          }
          yield directoryToProto(d);
          return;
        }
        // As Tvix: an absent root is an empty stream with OK status.
        for await (const d of dirs.getRecursive(digest)) yield directoryToProto(d);
      } catch (e) {
        throw toConnectError(e);
      }
    },
    async put(requests) {
      const putter = dirs.putMultipleStart();
      try {
        for await (const msg of requests) await putter.put(directoryFromProto(msg));
        return { rootDigest: await putter.close() };
      } catch (e) {
        throw toConnectError(e);
      }
    },
  });
}

export interface CastoreServer {
  /** `host:port` or the socket path. */
  readonly address: string;
  /**
   * Stops the server. By default at once (open calls are cut off); with `graceMs` new
   * connections are refused, clients are told to go away (HTTP/2 GOAWAY) and calls in flight
   * get that long to finish before they are cut off.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface ServeOptions {
  readonly blobService?: BlobService;
  readonly directoryService?: DirectoryService;
  /** More services on the same endpoint (the store adds PathInfoService here). */
  readonly routes?: (router: ConnectRouter) => void;
  /**
   * `unix:/path/to/socket`, or `host:port` (port 0 picks a free one). A socket file left by a
   * server that is gone is replaced; one that still answers is an error (EADDRINUSE).
   */
  readonly listen: string;
}

/** Serves the given services over gRPC until `close`. */
export async function serveCastore(options: ServeOptions): Promise<CastoreServer> {
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: MAX_MESSAGE_BYTES,
    fallback: unknownMethod,
    routes: (router) => {
      if (options.blobService) blobServiceRoutes(router, options.blobService);
      if (options.directoryService) directoryServiceRoutes(router, options.directoryService);
      options.routes?.(router);
    },
  });
  const server: Http2Server = createServer(handler);
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  let address: string;
  if (options.listen.startsWith("unix:")) {
    address = options.listen.slice("unix:".length);
    try {
      await listen(server, address);
    } catch (e) {
      // Only a socket nobody answers on is taken over; never a regular file.
      const stale =
        (e as NodeJS.ErrnoException).code === "EADDRINUSE" &&
        (await lstat(address).catch(() => undefined))?.isSocket() === true &&
        !(await socketAnswers(address));
      if (!stale) throw e;
      await unlink(address);
      await listen(server, address);
    }
  } else {
    const i = options.listen.lastIndexOf(":");
    const host = options.listen.slice(0, i).replace(/^\[(.*)\]$/, "$1");
    await listen(server, Number(options.listen.slice(i + 1)), host);
    const a = server.address();
    address =
      a && typeof a === "object"
        ? `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`
        : options.listen;
  }
  return {
    get address() {
      return address;
    },
    close: async (closeOptions = {}) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const grace = closeOptions.graceMs ?? 0;
      if (grace > 0) {
        for (const s of sessions) s.close(); // GOAWAY: no new streams, open ones may finish
        const drained = new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (sessions.size === 0) {
              clearInterval(check);
              resolve();
            }
          }, 20);
          setTimeout(() => {
            clearInterval(check);
            resolve();
          }, grace).unref();
        });
        await drained;
      }
      for (const s of sessions) s.destroy();
      await closed;
    },
  };
}

function listen(server: Http2Server, portOrPath: number | string, host?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    const done = () => {
      server.off("error", onError);
      resolve();
    };
    if (typeof portOrPath === "string") server.listen(portOrPath, done);
    else server.listen(portOrPath, host, done);
  });
}

/** Whether something is listening on a Unix socket path. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

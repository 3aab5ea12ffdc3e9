/**
 * gRPC `tvix.store.v1.PathInfoService` server routes (castore-store.md §9.4), to be served next
 * to castore's BlobService and DirectoryService on one endpoint (`serveStore`, or castore's
 * `serveCastore` with `routes`). Status codes as Tvix's wrapper answers them.
 */
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  type BlobService,
  blobServiceRoutes,
  type DirectoryService,
  directoryServiceRoutes,
  MAX_MESSAGE_BYTES,
  unknownMethod,
  ValidationError,
} from "@tvix-ts/castore";
import { PathInfoError, storeGrpcCodeOf } from "../errors.ts";
import {
  CalculateNARResponseSchema,
  PathInfoService as PathInfoServiceDesc,
} from "../gen/tvix/store/v1/rpc_pathinfo_pb.ts";
import { anonymousNodeFromMsg, pathInfoFromProto, pathInfoToProto } from "../path-info/proto.ts";
import type { NarCalculationService, PathInfoService } from "../pathinfo/types.ts";

function toConnect(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ConnectError(message, storeGrpcCodeOf(e) as Code, undefined, undefined, e);
}

export function pathInfoServiceRoutes(
  router: ConnectRouter,
  pathInfos: PathInfoService,
  nar: NarCalculationService,
): void {
  router.service(PathInfoServiceDesc, {
    async get(req) {
      if (req.byWhat.case !== "byOutputHash") {
        throw new ConnectError("by_what needs to be specified", Code.Unimplemented);
      }
      if (req.byWhat.value.length !== 20) {
        throw new ConnectError("invalid output digest length", Code.InvalidArgument);
      }
      const info = await pathInfos.get(req.byWhat.value).catch((e) => {
        throw toConnect(e);
      });
      if (!info) throw new ConnectError("PathInfo not found", Code.NotFound);
      return pathInfoToProto(info);
    },
    async put(msg) {
      let info: ReturnType<typeof pathInfoFromProto>;
      try {
        info = pathInfoFromProto(msg);
      } catch (e) {
        if (e instanceof PathInfoError) {
          throw new ConnectError(`Invalid path info: ${e.message}`, Code.InvalidArgument);
        }
        throw toConnect(e);
      }
      try {
        return pathInfoToProto(await pathInfos.put(info));
      } catch (e) {
        throw toConnect(e);
      }
    },
    async calculateNAR(msg) {
      let node: ReturnType<typeof anonymousNodeFromMsg>;
      try {
        node = anonymousNodeFromMsg(msg);
      } catch (e) {
        if (e instanceof ValidationError) {
          throw new ConnectError(`invalid root node: ${e.message}`, Code.InvalidArgument);
        }
        throw toConnect(e);
      }
      try {
        const r = await nar.calculateNar(node);
        return create(CalculateNARResponseSchema, {
          narSize: BigInt(r.narSize),
          narSha256: r.narSha256,
        });
      } catch (e) {
        throw toConnect(e);
      }
    },
    async *list() {
      try {
        for await (const info of pathInfos.list()) yield pathInfoToProto(info);
      } catch (e) {
        throw toConnect(e);
      }
    },
  });
}

export interface StoreServer {
  readonly address: string;
  close(): Promise<void>;
}

export interface ServeStoreOptions {
  readonly blobService: BlobService;
  readonly directoryService: DirectoryService;
  readonly pathInfoService: PathInfoService;
  readonly narCalculationService: NarCalculationService;
  /** `host:port` (port 0 picks one) or `unix:/path`. */
  readonly listen: string;
}

/** Serves blobs, directories and path infos on one gRPC endpoint (h2c). */
export async function serveStore(o: ServeStoreOptions): Promise<StoreServer> {
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: MAX_MESSAGE_BYTES,
    fallback: unknownMethod,
    routes: (router) => {
      blobServiceRoutes(router, o.blobService);
      directoryServiceRoutes(router, o.directoryService);
      pathInfoServiceRoutes(router, o.pathInfoService, o.narCalculationService);
    },
  });
  const server: Http2Server = createServer(handler);
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  let address = o.listen;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (o.listen.startsWith("unix:")) {
      address = o.listen.slice(5);
      server.listen(address, resolve);
    } else {
      const i = o.listen.lastIndexOf(":");
      server.listen(
        Number(o.listen.slice(i + 1)),
        o.listen.slice(0, i).replace(/^\[(.*)\]$/, "$1"),
        () => {
          const a = server.address();
          if (a && typeof a === "object")
            address = `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
          resolve();
        },
      );
    }
  });
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";

const help = `Usage: tvix store daemon [--listen-address ADDR]... [options]

Serves the store over gRPC (tvix.castore.v1 BlobService and DirectoryService,
tvix.store.v1 PathInfoService with CalculateNAR; wire-compatible with Tvix), so that other tvix commands, builders and Tvix
itself can share one store: point them at grpc+http://HOST:PORT or
grpc+unix:///PATH. Runs until SIGINT or SIGTERM, then lets calls in flight
finish (up to 10 s) and closes the stores cleanly.

Options:
  --listen-address ADDR         where to listen: HOST:PORT, [IPv6]:PORT,
                                unix:/PATH or /PATH (a Unix socket); may be
                                given several times (default [::]:8000)
  --blob-service-addr URL       blob service to serve (env BLOB_SERVICE_ADDR;
                                default objectstore+file://DATA/blobs)
  --directory-service-addr URL  directory service to serve
                                (env DIRECTORY_SERVICE_ADDR; default
                                sqlite://DATA/directories.sqlite)
  --path-info-service-addr URL  path info service to serve
                                (env PATH_INFO_SERVICE_ADDR; default
                                sqlite://DATA/pathinfo.sqlite)
  --store-composition FILE      a TOML composition file instead of the URLs;
                                its 'default' blob, directory and pathinfo
                                services are served (env TVIX_STORE_COMPOSITION)
  -h, --help                    show this help

DATA is $XDG_DATA_HOME/tvix (~/.local/share/tvix). URLs are those of
castore: memory://, objectstore+file:///DIR, objectstore+s3://BUCKET/PREFIX?…,
sqlite:///FILE, grpc+…, cache://?near=…&far=…; for path infos also
nix+https://CACHE?trusted-public-keys=…, lru://?capacity=N.

Exit codes: 0 stopped by a signal, 1 bad configuration or cannot listen,
2 usage error.
`;

const GRACE_MS = 10_000;

/** `unix:/p`, `/p` -> `unix:/p`; `host:port` and `[v6]:port` as they are. */
export function normaliseListenAddress(addr: string): string {
  if (addr.startsWith("unix:")) {
    if (addr.length === "unix:".length) throw new UsageError("empty socket path in unix:");
    return addr;
  }
  if (addr.startsWith("/")) return `unix:${addr}`;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[2]) > 65535) {
    throw new UsageError(`invalid listen address '${addr}' (HOST:PORT, [IPv6]:PORT or unix:/PATH)`);
  }
  return addr;
}

/** The client URL for a listening address, for the log. */
function clientUrl(listen: string, bound: string): string {
  return listen.startsWith("unix:") ? `grpc+unix://${bound}` : `grpc+http://${bound}`;
}

function dataDir(env: NodeJS.ProcessEnv, home: string): string {
  return `${env.XDG_DATA_HOME || `${home}/.local/share`}/tvix`;
}

export const storeDaemon: Command = {
  path: ["store", "daemon"],
  summary: "serve the store (blobs, directories) over gRPC",
  help,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      "listen-address": { type: "string", multiple: true },
      "blob-service-addr": { type: "string" },
      "directory-service-addr": { type: "string" },
      "path-info-service-addr": { type: "string" },
      "store-composition": { type: "string" },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const listen = (values["listen-address"] ?? ["[::]:8000"]).map(normaliseListenAddress);
    const env = process.env;
    const compositionFile = values["store-composition"] ?? env.TVIX_STORE_COMPOSITION;
    if (
      values["store-composition"] !== undefined &&
      (values["blob-service-addr"] !== undefined ||
        values["directory-service-addr"] !== undefined ||
        values["path-info-service-addr"] !== undefined)
    ) {
      throw new UsageError("--store-composition cannot be combined with --*-service-addr");
    }

    // Loaded only now: `tvix --help` and other commands never pay for castore and gRPC.
    const [castore, store, { readFile }, { homedir }] = await Promise.all([
      import("@tvix-ts/castore"),
      import("@tvix-ts/store"),
      import("node:fs/promises"),
      import("node:os"),
    ]);
    const log = (line: string) => io.stderr.write(`tvix store daemon: ${line}\n`);

    // castore's service types plus the store's path-info services.
    const registry = store.storeRegistry;
    let composition: InstanceType<typeof castore.Composition>;
    try {
      if (compositionFile !== undefined) {
        let text: string;
        try {
          text = await readFile(compositionFile, "utf8");
        } catch (e) {
          throw new UserError(
            `cannot read composition file '${compositionFile}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          );
        }
        composition = castore.compositionFromToml(text, {
          registry,
          source: compositionFile,
          unknownKinds: "ignore",
        });
        for (const kind of composition.ignoredKinds) {
          log(`ignoring ${kind}services (not served by this daemon yet)`);
        }
      } else {
        const data = dataDir(env, homedir());
        composition = castore.Composition.fromUrls(
          {
            blob:
              values["blob-service-addr"] ??
              env.BLOB_SERVICE_ADDR ??
              `objectstore+file://${data}/blobs`,
            directory:
              values["directory-service-addr"] ??
              env.DIRECTORY_SERVICE_ADDR ??
              `sqlite://${data}/directories.sqlite`,
            pathinfo:
              values["path-info-service-addr"] ??
              env.PATH_INFO_SERVICE_ADDR ??
              `sqlite://${data}/pathinfo.sqlite`,
          },
          { registry },
        );
      }
    } catch (e) {
      if (e instanceof castore.ConfigError) throw new UserError(e.message);
      throw e;
    }

    let blobService: import("@tvix-ts/castore").BlobService;
    let directoryService: import("@tvix-ts/castore").DirectoryService;
    let pathInfoService: import("@tvix-ts/store").PathInfoService | undefined;
    try {
      blobService = composition.blobService("default");
      directoryService = composition.directoryService("default");
      if (composition.has("pathinfo", "default")) {
        pathInfoService = composition.build("pathinfo", "default");
      } else {
        log("no pathinfoservices.default: PathInfoService is not served");
      }
    } catch (e) {
      await composition.close();
      if (e instanceof castore.ConfigError || e instanceof castore.ServiceError) {
        throw new UserError(e.message);
      }
      throw e;
    }

    // PathInfoService next to castore's services; NAR hashes computed where the data is.
    const pis = pathInfoService;
    const routes = pis
      ? (router: Parameters<typeof store.pathInfoServiceRoutes>[0]) =>
          store.pathInfoServiceRoutes(
            router,
            pis,
            store.narCalculator({ blobService, directoryService, pathInfoService: pis }),
          )
      : undefined;
    const servers: Awaited<ReturnType<typeof castore.serveCastore>>[] = [];
    const stopAll = async (graceMs: number) => {
      await Promise.all(servers.splice(0).map((s) => s.close({ graceMs })));
      await composition.close();
    };
    try {
      for (const addr of listen) {
        const server = await castore
          .serveCastore({ blobService, directoryService, routes, listen: addr })
          .catch((e: NodeJS.ErrnoException) => {
            const why = e.code === "EADDRINUSE" ? "address in use" : (e.code ?? e.message);
            throw new UserError(`cannot listen on ${addr}: ${why}`);
          });
        servers.push(server);
        log(`listening on ${clientUrl(addr, server.address)}`);
      }
    } catch (e) {
      await stopAll(0);
      throw e;
    }

    // Wait for a signal; a second one stops at once.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    const hurry = () => {
      log("second signal, stopping now");
      process.exit(1);
    };
    process.once("SIGINT", hurry);
    process.once("SIGTERM", hurry);
    log(`${signal}: finishing calls in flight, then stopping`);
    await stopAll(GRACE_MS);
    process.off("SIGINT", hurry);
    process.off("SIGTERM", hurry);
    log("stopped");
    return 0;
  },
};

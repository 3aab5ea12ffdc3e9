/**
 * castore's service types, in Tvix's composition shape (castore-store.md §3.3, §4.3, §5):
 *
 * | kind      | type          | fields                                                        | URL form                    |
 * |-----------|---------------|---------------------------------------------------------------|-----------------------------|
 * | blob      | `memory`      | –                                                             | `memory://`                 |
 * | blob      | `objectstore` | `object_store_url`, `object_store_options`, `avg_chunk_size`  | `objectstore+<url>?opt=…`   |
 * | blob      | `grpc`        | `url`                                                         | `grpc+unix://…`, `grpc+http(s)://…` |
 * | blob      | `combined`    | `local`, `remote`                                             | –                           |
 * | directory | `memory`      | –                                                             | `memory://`                 |
 * | directory | `objectstore` | `object_store_url`, `object_store_options`                    | `objectstore+<url>?opt=…`   |
 * | directory | `grpc`        | `url`                                                         | as for blobs                |
 * | directory | `cache`       | `near`, `far`                                                 | `cache://?near=…&far=…`     |
 * | directory | `sqlite`      | `path` or `is_temporary = true` (tvix-ts; Tvix has `redb`)    | `sqlite:///FILE`, `sqlite://` |
 * | both      | `priority`    | `services` (tvix-ts: tried in order)                          | –                           |
 * | both      | `race`        | `services` (tvix-ts: asked at once, first answer wins)        | –                           |
 *
 * `object_store_options` may be left out (Tvix requires it in files). A blob `objectstore` URL
 * may carry `avg_chunk_size` (tvix-ts; Tvix always uses 256 KiB from a URL).
 */
import { CombinedBlobService } from "../blob/combined.ts";
import { MemoryBlobService } from "../blob/memory.ts";
import { ObjectStoreBlobService } from "../blob/objectstore.ts";
import { PriorityBlobService } from "../blob/priority.ts";
import { RaceBlobService } from "../blob/race.ts";
import type { BlobService } from "../blob/types.ts";
import { CacheDirectoryService } from "../directory/cache.ts";
import { MemoryDirectoryService } from "../directory/memory.ts";
import { ObjectStoreDirectoryService } from "../directory/objectstore.ts";
import { PriorityDirectoryService } from "../directory/priority.ts";
import { RaceDirectoryService } from "../directory/race.ts";
import { SqliteDirectoryService } from "../directory/sqlite.ts";
import type { DirectoryService } from "../directory/types.ts";
import { ConfigError } from "../errors.ts";
import { GrpcBlobService } from "../grpc/blob-client.ts";
import { GrpcDirectoryService } from "../grpc/directory-client.ts";
import { transportFromUrl } from "../grpc/transport.ts";
import { AVG_CHUNK_SIZE_RULE, validAvgChunkSize } from "./defaults.ts";
import { Fields, type ServiceConfig } from "./fields.ts";
import {
  cacheBuilder,
  fanOutBuilder,
  grpcBuilder,
  memoryBuilder,
  redbBuilder,
  sqliteBuilder,
} from "./generic-builders.ts";
import { objectStoreOpener, splitObjectStoreUrl } from "./object-store-url.ts";
import type { BuildContext, Reference, ServiceBuilder } from "./registry.ts";
import { Registry } from "./registry.ts";

const none = (): readonly Reference[] => [];

interface ObjectStoreEntry {
  readonly open: ReturnType<typeof objectStoreOpener>;
  readonly avgChunkSize?: number;
}

function objectStore(
  withChunking: boolean,
  make: (e: ObjectStoreEntry, ctx: BuildContext) => unknown,
): ServiceBuilder<ObjectStoreEntry> {
  return {
    parse(config, where) {
      const f = new Fields(config, where);
      const url = f.requiredString("object_store_url");
      const options = f.stringMap("object_store_options") ?? {};
      const avg = withChunking ? f.integer("avg_chunk_size") : undefined;
      f.done();
      if (avg !== undefined && !validAvgChunkSize(avg)) {
        f.fail(`avg_chunk_size ${avg} ${AVG_CHUNK_SIZE_RULE}`);
      }
      return { open: objectStoreOpener({ url, options, where }), avgChunkSize: avg };
    },
    references: none,
    build: make,
    fromUrl(u, raw) {
      const keep = withChunking ? ["avg_chunk_size"] : [];
      const { url, options, kept } = splitObjectStoreUrl(u, raw, keep);
      const config: Record<string, unknown> = { type: "objectstore", object_store_url: url };
      if (Object.keys(options).length > 0) config.object_store_options = options;
      if (kept.avg_chunk_size !== undefined) {
        config.avg_chunk_size = avgChunkSizeParam(kept.avg_chunk_size, raw);
      }
      return config as ServiceConfig;
    },
  };
}

/**
 * `?avg_chunk_size=N`: plain decimal digits only, since `Number()` would also take `1e3`, `0x400`
 * or ` 512 ` and the same size should have one spelling.
 */
function avgChunkSizeParam(value: string, raw: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!validAvgChunkSize(n)) {
    throw new ConfigError("InvalidUrl", `${raw}: avg_chunk_size ${value} ${AVG_CHUNK_SIZE_RULE}`);
  }
  return n;
}

const combined: ServiceBuilder<{ local: string; remote: string }> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const local = f.requiredString("local");
    const remote = f.requiredString("remote");
    f.done();
    return { local, remote };
  },
  references: (p) => [
    { kind: "blob", ref: p.local, field: "local" },
    { kind: "blob", ref: p.remote, field: "remote" },
  ],
  build: (p, ctx) =>
    new CombinedBlobService(
      ctx.resolve("blob", p.local) as BlobService,
      ctx.resolve("blob", p.remote) as BlobService,
    ),
};

/** Registers castore's blob and directory service types. */
export function registerCastoreServices(r: Registry): Registry {
  r.register(
    "blob",
    "memory",
    memoryBuilder(() => new MemoryBlobService()),
  );
  r.register(
    "blob",
    "objectstore",
    objectStore(
      true,
      (e, ctx) =>
        new ObjectStoreBlobService(e.open(), {
          avgChunkSize: e.avgChunkSize ?? ctx.defaults.avgChunkSize,
        }),
    ),
  );
  r.register(
    "blob",
    "grpc",
    grpcBuilder((url) => new GrpcBlobService(transportFromUrl(url))),
  );
  r.register("blob", "combined", combined);
  r.register(
    "blob",
    "priority",
    fanOutBuilder("blob", (s) => new PriorityBlobService(s as BlobService[])),
  );
  r.register(
    "blob",
    "race",
    fanOutBuilder("blob", (s) => new RaceBlobService(s as BlobService[])),
  );

  r.register(
    "directory",
    "memory",
    memoryBuilder(() => new MemoryDirectoryService()),
  );
  r.register(
    "directory",
    "objectstore",
    objectStore(
      false,
      (e, ctx) =>
        new ObjectStoreDirectoryService(e.open(), { sizeFormula: ctx.defaults.sizeFormula }),
    ),
  );
  r.register(
    "directory",
    "grpc",
    grpcBuilder((url) => new GrpcDirectoryService(transportFromUrl(url))),
  );
  r.register(
    "directory",
    "cache",
    cacheBuilder(
      "directory",
      (near, far, ctx) =>
        new CacheDirectoryService(near as DirectoryService, far as DirectoryService, {
          sizeFormula: ctx.defaults.sizeFormula,
        }),
    ),
  );
  r.register(
    "directory",
    "sqlite",
    sqliteBuilder(
      (path, ctx) => new SqliteDirectoryService(path, { sizeFormula: ctx.defaults.sizeFormula }),
    ),
  );
  r.register("directory", "redb", redbBuilder);
  r.register(
    "directory",
    "priority",
    fanOutBuilder("directory", (s) => new PriorityDirectoryService(s as DirectoryService[])),
  );
  r.register(
    "directory",
    "race",
    fanOutBuilder("directory", (s) => new RaceDirectoryService(s as DirectoryService[])),
  );
  return r;
}

/** castore's registry; extend a copy (`castoreRegistry.extend()`) to add types or kinds. */
export const castoreRegistry: Registry = registerCastoreServices(new Registry());

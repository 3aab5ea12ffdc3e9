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
import { checkGrpcUrl, transportFromUrl } from "../grpc/transport.ts";
import { validAvgChunkSize } from "./defaults.ts";
import { Fields, type ServiceConfig } from "./fields.ts";
import { objectStoreOpener, splitObjectStoreUrl } from "./object-store-url.ts";
import type { BuildContext, Reference, ServiceBuilder } from "./registry.ts";
import { Registry } from "./registry.ts";

const none = (): readonly Reference[] => [];

function memory(make: () => unknown): ServiceBuilder<null> {
  return {
    parse(config, where) {
      new Fields(config, where).done();
      return null;
    },
    references: none,
    build: make,
    fromUrl(u, raw) {
      if (u.host !== "" || u.pathname !== "" || u.search !== "") {
        throw new ConfigError("InvalidUrl", `${raw}: memory:// takes no host, path or parameters`);
      }
      return { type: "memory" };
    },
  };
}

function grpc(make: (url: string) => unknown): ServiceBuilder<string> {
  return {
    parse(config, where) {
      const f = new Fields(config, where);
      const url = f.requiredString("url");
      f.done();
      checkGrpcUrl(url);
      return url;
    },
    references: none,
    build: (url) => make(url),
    fromUrl: (_u, raw) => ({ type: "grpc", url: raw }),
  };
}

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
      if (avg !== undefined && !validAvgChunkSize(avg)) f.fail(`invalid avg_chunk_size ${avg}`);
      return { open: objectStoreOpener({ url, options }), avgChunkSize: avg };
    },
    references: none,
    build: make,
    fromUrl(u, raw) {
      const { url, options, kept } = splitObjectStoreUrl(u, withChunking ? ["avg_chunk_size"] : []);
      const config: Record<string, unknown> = { type: "objectstore", object_store_url: url };
      if (Object.keys(options).length > 0) config.object_store_options = options;
      if (kept.avg_chunk_size !== undefined) {
        const n = Number(kept.avg_chunk_size);
        if (!validAvgChunkSize(n)) {
          throw new ConfigError(
            "InvalidUrl",
            `${raw}: invalid avg_chunk_size ${kept.avg_chunk_size}`,
          );
        }
        config.avg_chunk_size = n;
      }
      return config as ServiceConfig;
    },
  };
}

/** `priority` / `race` over services of one kind. */
function fanOut(kind: string, make: (services: unknown[]) => unknown): ServiceBuilder<string[]> {
  return {
    parse(config, where) {
      const f = new Fields(config, where);
      const services = f.stringList("services");
      f.done();
      return services;
    },
    references: (services) => services.map((ref) => ({ kind, ref, field: "services" })),
    build: (services, ctx) => make(services.map((ref) => ctx.resolve(kind, ref))),
  };
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

const cache: ServiceBuilder<{ near: string; far: string }> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const near = f.requiredString("near");
    const far = f.requiredString("far");
    f.done();
    return { near, far };
  },
  references: (p) => [
    { kind: "directory", ref: p.near, field: "near" },
    { kind: "directory", ref: p.far, field: "far" },
  ],
  build: (p, ctx) =>
    new CacheDirectoryService(
      ctx.resolve("directory", p.near) as DirectoryService,
      ctx.resolve("directory", p.far) as DirectoryService,
      { sizeFormula: ctx.defaults.sizeFormula },
    ),
  fromUrl(u, raw) {
    if (u.host !== "" || u.pathname !== "") {
      throw new ConfigError("InvalidUrl", `${raw}: cache:// takes only ?near=&far=`);
    }
    for (const k of u.searchParams.keys()) {
      if (k !== "near" && k !== "far")
        throw new ConfigError("InvalidUrl", `${raw}: unknown parameter ${k}`);
    }
    const near = u.searchParams.get("near");
    const far = u.searchParams.get("far");
    if (!near || !far)
      throw new ConfigError("InvalidUrl", `${raw}: cache:// needs both near and far`);
    return { type: "cache", near, far };
  },
};

const sqlite: ServiceBuilder<string | undefined> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const temporary = f.boolean("is_temporary") ?? false;
    const path = f.string("path");
    f.done();
    if (temporary && path !== undefined) f.fail("path may not be set when is_temporary is true");
    if (!temporary && path === undefined) f.fail("missing field path (or is_temporary = true)");
    if (path === "/" || path === "") f.fail("cowardly refusing to open / with sqlite");
    return path;
  },
  references: none,
  build: (path, ctx) => new SqliteDirectoryService(path, { sizeFormula: ctx.defaults.sizeFormula }),
  fromUrl(u, raw) {
    if (u.host !== "") throw new ConfigError("InvalidUrl", `${raw}: host may not be set`);
    if (u.search !== "") throw new ConfigError("InvalidUrl", `${raw}: sqlite takes no parameters`);
    const path = decodeURIComponent(u.pathname);
    if (path === "") return { type: "sqlite", is_temporary: true };
    if (path === "/")
      throw new ConfigError("InvalidUrl", `${raw}: cowardly refusing to open / with sqlite`);
    return { type: "sqlite", path };
  },
};

/** Tvix's embedded database; tvix-ts has sqlite in its place (same fields). */
const redb: ServiceBuilder<never> = {
  parse(_config, where) {
    throw new ConfigError(
      "UnknownType",
      `${where}: type redb is not supported by tvix-ts; use type = "sqlite" with the same fields`,
    );
  },
  references: none,
  build: () => undefined,
};

/** Registers castore's blob and directory service types. */
export function registerCastoreServices(r: Registry): Registry {
  r.register(
    "blob",
    "memory",
    memory(() => new MemoryBlobService()),
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
    grpc((url) => new GrpcBlobService(transportFromUrl(url))),
  );
  r.register("blob", "combined", combined);
  r.register(
    "blob",
    "priority",
    fanOut("blob", (s) => new PriorityBlobService(s as BlobService[])),
  );
  r.register(
    "blob",
    "race",
    fanOut("blob", (s) => new RaceBlobService(s as BlobService[])),
  );

  r.register(
    "directory",
    "memory",
    memory(() => new MemoryDirectoryService()),
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
    grpc((url) => new GrpcDirectoryService(transportFromUrl(url))),
  );
  r.register("directory", "cache", cache);
  r.register("directory", "sqlite", sqlite);
  r.register("directory", "redb", redb);
  r.register(
    "directory",
    "priority",
    fanOut("directory", (s) => new PriorityDirectoryService(s as DirectoryService[])),
  );
  r.register(
    "directory",
    "race",
    fanOut("directory", (s) => new RaceDirectoryService(s as DirectoryService[])),
  );
  return r;
}

/** castore's registry; extend a copy (`castoreRegistry.extend()`) to add types or kinds. */
export const castoreRegistry: Registry = registerCastoreServices(new Registry());

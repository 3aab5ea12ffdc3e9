/**
 * PathInfoService types in the composition registry (castore-store.md §5, §10), added to a copy
 * of castore's registry so one composition (or one set of URLs) builds blob, directory and
 * pathinfo services together and entries can refer to each other by name:
 *
 * | type              | fields                                              | URL form                         |
 * |-------------------|-----------------------------------------------------|----------------------------------|
 * | `memory`          | –                                                   | `memory://`                      |
 * | `sqlite`          | `path` or `is_temporary = true` (Tvix: `redb`)      | `sqlite:///FILE`, `sqlite://`    |
 * | `lru`             | `capacity`                                          | `lru://?capacity=N`              |
 * | `grpc`            | `url`                                               | `grpc+unix://…`, `grpc+http(s)://…` |
 * | `nix`             | `base_url`, `public_keys`, `blob_service`, `directory_service`, `path_info_service`, `frankenbuild` | `nix+http(s)://HOST/PATH?trusted-public-keys=…` |
 * | `cache`           | `near`, `far`                                       | `cache://?near=URL&far=URL`      |
 * | `priority`/`race` | `services`                                          | –                                |
 * | `keyfile-signing` | `inner`, `keyfile`                                  | –                                |
 */

import {
  type BlobService,
  Composition,
  type CompositionEntries,
  ConfigError,
  cacheBuilder,
  castoreRegistry,
  type DirectoryService,
  Fields,
  fanOutBuilder,
  grpcBuilder,
  memoryBuilder,
  type Reference,
  type Registry,
  redbBuilder,
  type ServiceBuilder,
  type ServiceConfig,
  type ServiceDefaults,
  sqliteBuilder,
  transportFromUrl,
} from "@tvix-ts/castore";
import { parseVerifyingKey } from "@tvix-ts/nix-compat";
import { GrpcPathInfoService } from "./grpc/client.ts";
import {
  CachePathInfoService,
  PriorityPathInfoService,
  RacePathInfoService,
} from "./pathinfo/combinators.ts";
import { LruPathInfoService } from "./pathinfo/lru.ts";
import { MemoryPathInfoService } from "./pathinfo/memory.ts";
import { type FrankenbuildMode, NixHttpPathInfoService } from "./pathinfo/nix-http.ts";
import { SigningPathInfoService } from "./pathinfo/signing.ts";
import { SqlitePathInfoService } from "./pathinfo/sqlite.ts";
import type { PathInfoService } from "./pathinfo/types.ts";

const KIND = "pathinfo";
const none = (): readonly Reference[] => [];

const lru: ServiceBuilder<number> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const capacity = f.integer("capacity");
    f.done();
    if (capacity === undefined) return f.fail("missing field capacity");
    if (capacity < 1) return f.fail("capacity must be a positive integer");
    return capacity;
  },
  references: none,
  build: (capacity) => new LruPathInfoService(capacity),
  fromUrl(u, raw) {
    if (u.host !== "" || u.pathname !== "") {
      throw new ConfigError("InvalidUrl", `${raw}: lru:// takes only ?capacity=N`);
    }
    for (const k of u.searchParams.keys()) {
      if (k !== "capacity") throw new ConfigError("InvalidUrl", `${raw}: unknown parameter ${k}`);
    }
    const c = u.searchParams.get("capacity");
    if (c === null || !/^[1-9][0-9]*$/.test(c) || !Number.isSafeInteger(Number(c))) {
      throw new ConfigError("InvalidUrl", `${raw}: capacity must be a positive integer`);
    }
    return { type: "lru", capacity: Number(c) };
  },
};

const signing: ServiceBuilder<{ inner: string; keyfile: string }> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const inner = f.requiredString("inner");
    const keyfile = f.requiredString("keyfile");
    f.done();
    return { inner, keyfile };
  },
  references: (p) => [{ kind: KIND, ref: p.inner, field: "inner" }],
  build: (p, ctx) =>
    SigningPathInfoService.fromKeyFile(ctx.resolve(KIND, p.inner) as PathInfoService, p.keyfile),
};

interface NixEntry {
  baseUrl: string;
  publicKeys: string[];
  blob: string;
  directory: string;
  local: string | undefined;
  frankenbuild: FrankenbuildMode;
}

const FRANKENBUILD_MODES = ["strict", "warn", "off"];

const nix: ServiceBuilder<NixEntry> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const baseUrl = f.requiredString("base_url");
    const publicKeys = config.public_keys === undefined ? [] : f.stringList("public_keys");
    const blob = f.string("blob_service") ?? "default";
    const directory = f.string("directory_service") ?? "default";
    const local = f.string("path_info_service");
    const frankenbuild = f.string("frankenbuild") ?? "strict";
    f.done();
    if (!/^https?:\/\//.test(baseUrl)) f.fail(`base_url must be an http(s) URL: ${baseUrl}`);
    if (!FRANKENBUILD_MODES.includes(frankenbuild))
      f.fail("frankenbuild must be strict, warn or off");
    for (const k of publicKeys) {
      try {
        parseVerifyingKey(k);
      } catch (e) {
        f.fail(`invalid public key: ${(e as Error).message}`);
      }
    }
    return {
      baseUrl,
      publicKeys,
      blob,
      directory,
      local,
      frankenbuild: frankenbuild as FrankenbuildMode,
    };
  },
  references: (p) => [
    { kind: "blob", ref: p.blob, field: "blob_service" },
    { kind: "directory", ref: p.directory, field: "directory_service" },
    ...(p.local === undefined ? [] : [{ kind: KIND, ref: p.local, field: "path_info_service" }]),
  ],
  build: (p, ctx) =>
    new NixHttpPathInfoService({
      baseUrl: p.baseUrl,
      publicKeys: p.publicKeys.map((k) => parseVerifyingKey(k)),
      blobService: ctx.resolve("blob", p.blob) as BlobService,
      directoryService: ctx.resolve("directory", p.directory) as DirectoryService,
      local: p.local === undefined ? undefined : (ctx.resolve(KIND, p.local) as PathInfoService),
      frankenbuild: p.frankenbuild,
    }),
  fromUrl(u, raw) {
    const base = new URL(raw.replace(/^nix\+/, ""));
    const config: Record<string, unknown> = { type: "nix" };
    const keys: string[] = [];
    for (const [k, v] of u.searchParams) {
      switch (k) {
        case "trusted-public-keys":
          keys.push(...v.split(/\s+/).filter(Boolean));
          break;
        case "blob_service":
        case "directory_service":
        case "path_info_service":
        case "frankenbuild":
          config[k] = v;
          break;
        default:
          throw new ConfigError("InvalidUrl", `${raw}: unknown parameter ${k}`);
      }
    }
    base.search = "";
    config.base_url = base.toString();
    if (keys.length > 0) config.public_keys = keys;
    return config as ServiceConfig;
  },
};

export function registerStoreServices(r: Registry): Registry {
  r.register(
    KIND,
    "memory",
    memoryBuilder(() => new MemoryPathInfoService()),
  );
  r.register(
    KIND,
    "sqlite",
    sqliteBuilder((path) => new SqlitePathInfoService(path)),
  );
  r.register(KIND, "redb", redbBuilder);
  r.register(KIND, "lru", lru);
  r.register(
    KIND,
    "cache",
    cacheBuilder(
      KIND,
      (near, far) => new CachePathInfoService(near as PathInfoService, far as PathInfoService),
    ),
  );
  r.register(
    KIND,
    "priority",
    fanOutBuilder(KIND, (s) => new PriorityPathInfoService(s as PathInfoService[])),
  );
  r.register(
    KIND,
    "race",
    fanOutBuilder(KIND, (s) => new RacePathInfoService(s as PathInfoService[])),
  );
  r.register(KIND, "keyfile-signing", signing);
  r.register(KIND, "nix", nix);
  r.register(
    KIND,
    "grpc",
    grpcBuilder((url) => new GrpcPathInfoService(transportFromUrl(url))),
  );
  return r;
}

/** castore's registry plus the store's pathinfo types. */
export const storeRegistry: Registry = registerStoreServices(castoreRegistry.extend());

/** A composition that knows pathinfo services too. */
export function storeComposition(
  entries: CompositionEntries = {},
  defaults?: ServiceDefaults,
): Composition {
  return new Composition(entries, { registry: storeRegistry, defaults });
}

/**
 * One PathInfoService from a URL. Types that use other services (`nix`) find them by name in
 * `composition` (by default a composition with in-memory `default` blob and directory services).
 */
export function pathInfoServiceFromUrl(url: string, composition?: Composition): PathInfoService {
  const c =
    composition ??
    storeComposition({
      blob: { default: { type: "memory" } },
      directory: { default: { type: "memory" } },
    });
  return c.buildUrl<PathInfoService>(KIND, url);
}

export type { ServiceConfig };

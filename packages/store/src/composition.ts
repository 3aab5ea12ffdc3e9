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
  castoreRegistry,
  checkGrpcUrl,
  type DirectoryService,
  Fields,
  type Reference,
  type Registry,
  type ServiceBuilder,
  type ServiceConfig,
  type ServiceDefaults,
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

const memory: ServiceBuilder<null> = {
  parse(config, where) {
    new Fields(config, where).done();
    return null;
  },
  references: none,
  build: () => new MemoryPathInfoService(),
  fromUrl(u, raw) {
    if (u.host !== "" || u.pathname !== "" || u.search !== "") {
      throw new ConfigError("InvalidUrl", `${raw}: memory:// takes no host, path or parameters`);
    }
    return { type: "memory" };
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
  build: (path) => new SqlitePathInfoService(path),
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

const cache: ServiceBuilder<{ near: string; far: string }> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const near = f.requiredString("near");
    const far = f.requiredString("far");
    f.done();
    return { near, far };
  },
  references: (p) => [
    { kind: KIND, ref: p.near, field: "near" },
    { kind: KIND, ref: p.far, field: "far" },
  ],
  build: (p, ctx) =>
    new CachePathInfoService(
      ctx.resolve(KIND, p.near) as PathInfoService,
      ctx.resolve(KIND, p.far) as PathInfoService,
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

function fanOut(make: (services: PathInfoService[]) => PathInfoService): ServiceBuilder<string[]> {
  return {
    parse(config, where) {
      const f = new Fields(config, where);
      const services = f.stringList("services");
      f.done();
      return services;
    },
    references: (services) => services.map((ref) => ({ kind: KIND, ref, field: "services" })),
    build: (services, ctx) =>
      make(services.map((ref) => ctx.resolve(KIND, ref) as PathInfoService)),
  };
}

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

const grpc: ServiceBuilder<string> = {
  parse(config, where) {
    const f = new Fields(config, where);
    const url = f.requiredString("url");
    f.done();
    checkGrpcUrl(url);
    return url;
  },
  references: none,
  build: (url) => new GrpcPathInfoService(transportFromUrl(url)),
  fromUrl: (_u, raw) => ({ type: "grpc", url: raw }),
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

export function registerStoreServices(r: Registry): Registry {
  r.register(KIND, "memory", memory);
  r.register(KIND, "sqlite", sqlite);
  r.register(KIND, "redb", redb);
  r.register(KIND, "lru", lru);
  r.register(KIND, "cache", cache);
  r.register(
    KIND,
    "priority",
    fanOut((s) => new PriorityPathInfoService(s)),
  );
  r.register(
    KIND,
    "race",
    fanOut((s) => new RacePathInfoService(s)),
  );
  r.register(KIND, "keyfile-signing", signing);
  r.register(KIND, "nix", nix);
  r.register(KIND, "grpc", grpc);
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

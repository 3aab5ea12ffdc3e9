/**
 * Service types whose configuration is the same whatever kind of service they build (blob,
 * directory, pathinfo, ...): each factory takes only how to build the service, so castore and the
 * store register `memory`, `sqlite`, `grpc`, `cache`, `priority`/`race` and `redb` with one
 * parser and one URL form each.
 */
import { ConfigError } from "../errors.ts";
import { checkGrpcUrl } from "../grpc/transport.ts";
import { Fields } from "./fields.ts";
import type { BuildContext, Reference, ServiceBuilder } from "./registry.ts";
import { decodeUrlPath, invalidUrl } from "./url.ts";

const none = (): readonly Reference[] => [];

/**
 * The registry picks a type by the scheme up to its first `+`; types that wrap no other URL
 * take their plain scheme only, so `memory+foo://` is not quietly a memory service.
 */
function plainScheme(u: URL, raw: string): void {
  if (u.protocol.includes("+")) {
    const tag = u.protocol.slice(0, u.protocol.indexOf("+"));
    invalidUrl(raw, `expected ${tag}://, not ${u.protocol}//`);
  }
}

/** `memory` (no fields; `memory://`). */
export function memoryBuilder(make: () => unknown): ServiceBuilder<null> {
  return {
    parse(config, where) {
      new Fields(config, where).done();
      return null;
    },
    references: none,
    build: make,
    fromUrl(u, raw) {
      plainScheme(u, raw);
      if (u.host !== "" || u.pathname !== "" || u.search !== "") {
        invalidUrl(raw, `memory:// takes no host, path or parameters`);
      }
      return { type: "memory" };
    },
  };
}

/** `grpc` (`url`; `grpc+unix://…`, `grpc+http(s)://…`). */
export function grpcBuilder(make: (url: string) => unknown): ServiceBuilder<string> {
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

/** `priority` / `race` over services of one kind (`services`). */
export function fanOutBuilder(
  kind: string,
  make: (services: unknown[]) => unknown,
): ServiceBuilder<string[]> {
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

/** `cache` with a `near` and a `far` service of one kind (`cache://?near=…&far=…`). */
export function cacheBuilder(
  kind: string,
  make: (near: unknown, far: unknown, ctx: BuildContext) => unknown,
): ServiceBuilder<{ near: string; far: string }> {
  return {
    parse(config, where) {
      const f = new Fields(config, where);
      const near = f.requiredString("near");
      const far = f.requiredString("far");
      f.done();
      return { near, far };
    },
    references: (p) => [
      { kind, ref: p.near, field: "near" },
      { kind, ref: p.far, field: "far" },
    ],
    build: (p, ctx) => make(ctx.resolve(kind, p.near), ctx.resolve(kind, p.far), ctx),
    fromUrl(u, raw) {
      plainScheme(u, raw);
      if (u.host !== "" || u.pathname !== "") {
        invalidUrl(raw, `cache:// takes only ?near=&far=`);
      }
      for (const k of u.searchParams.keys()) {
        if (k !== "near" && k !== "far") invalidUrl(raw, `unknown parameter ${k}`);
        if (u.searchParams.getAll(k).length > 1) invalidUrl(raw, `${k} given twice`);
      }
      const near = u.searchParams.get("near");
      const far = u.searchParams.get("far");
      if (!near || !far) invalidUrl(raw, `cache:// needs both near and far`);
      return { type: "cache", near, far };
    },
  };
}

/**
 * `sqlite` (`path`, or `is_temporary = true`; `sqlite:///FILE`, `sqlite://`): tvix-ts's embedded
 * database in the place of Tvix's `redb`. `make` gets undefined for a temporary database.
 */
export function sqliteBuilder(
  make: (path: string | undefined, ctx: BuildContext) => unknown,
): ServiceBuilder<string | undefined> {
  return {
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
    build: make,
    fromUrl(u, raw) {
      plainScheme(u, raw);
      if (u.host !== "") invalidUrl(raw, `host may not be set`);
      if (u.search !== "") invalidUrl(raw, `sqlite takes no parameters`);
      const path = decodeUrlPath(u.pathname, raw);
      if (path === "") return { type: "sqlite", is_temporary: true };
      if (path === "/") invalidUrl(raw, `cowardly refusing to open / with sqlite`);
      return { type: "sqlite", path };
    },
  };
}

/** Tvix's embedded database; tvix-ts has sqlite in its place (same fields). */
export const redbBuilder: ServiceBuilder<never> = {
  parse(_config, where) {
    throw new ConfigError(
      "UnknownType",
      `${where}: type redb is not supported by tvix-ts; use type = "sqlite" with the same fields`,
    );
  },
  references: none,
  build: () => undefined,
};

/**
 * A hierarchy of named services (castore-store.md §5): per kind (`blob`, `directory`, later
 * `pathinfo`), a map from name to an entry `{ type = "…", … }`; entries use each other by name
 * (`local`, `remote`, `near`, `far`, `services`, …) or, for a reference containing `://`, by an
 * anonymous URL built afresh each time (Tvix's `xp-store-composition` behaviour, always on here).
 *
 * Everything is checked when the composition is made: unknown types, bad fields, references to
 * names that do not exist and cycles are ConfigErrors before any service is built. Services are
 * then built on first use and shared: asking twice for a name gives the same object.
 */
import type { BlobService } from "../blob/types.ts";
import type { DirectoryService } from "../directory/types.ts";
import { ConfigError } from "../errors.ts";
import { castoreRegistry } from "./builtins.ts";
import { type ResolvedDefaults, resolveDefaults, type ServiceDefaults } from "./defaults.ts";
import type { ServiceConfig } from "./fields.ts";
import { isUrlReference, type Reference, type Registry, type ServiceBuilder } from "./registry.ts";

/** kind -> name -> entry, e.g. `{ blob: { default: { type: "memory" } } }`. */
export type CompositionEntries = Readonly<
  Record<string, Readonly<Record<string, ServiceConfig>> | undefined>
>;

export interface CompositionOptions {
  /** Service types (default: castore's). */
  readonly registry?: Registry;
  readonly defaults?: ServiceDefaults;
  /**
   * What to do with a kind this registry does not know (a file's `pathinfoservices` read by a
   * castore-only command): `reject` (default) or `ignore` (see `ignoredKinds`).
   */
  readonly unknownKinds?: "reject" | "ignore";
}

interface Entry {
  readonly builder: ServiceBuilder<unknown>;
  readonly parsed: unknown;
  readonly references: readonly Reference[];
}

/** `blobservices.default`: the table path an entry has in a composition file. */
export const entryName = (kind: string, name: string) => `${kind}services.${name}`;

interface Closable {
  close(): Promise<void>;
}

export class Composition {
  readonly registry: Registry;
  readonly defaults: ResolvedDefaults;
  readonly #entries = new Map<string, Map<string, Entry>>();
  readonly #built = new Map<string, unknown>();
  readonly #owned: Closable[] = [];
  /** Kinds present in the entries but skipped (`unknownKinds: "ignore"`). */
  readonly ignoredKinds: string[] = [];

  constructor(entries: CompositionEntries = {}, options: CompositionOptions = {}) {
    this.registry = options.registry ?? castoreRegistry;
    this.defaults = resolveDefaults(options.defaults);
    for (const [kind, named] of Object.entries(entries)) {
      if (!named) continue;
      if (!this.registry.hasKind(kind)) {
        if (options.unknownKinds === "ignore") {
          this.ignoredKinds.push(kind);
          continue;
        }
        throw new ConfigError("UnknownKind", `${kind}services: no ${kind} services are known here`);
      }
      const m = new Map<string, Entry>();
      for (const [name, config] of Object.entries(named)) {
        const where = entryName(kind, name);
        if (typeof config?.type !== "string") {
          throw new ConfigError("InvalidField", `${where}: missing field type`);
        }
        const builder = this.registry.builder(kind, config.type, where);
        const parsed = builder.parse(config, where);
        m.set(name, { builder, parsed, references: builder.references(parsed) });
      }
      this.#entries.set(kind, m);
    }
    this.#checkReferences();
  }

  /** One `default` entry per kind from URLs (what the CLI's `--…-service-addr` flags give). */
  static fromUrls(
    urls: Readonly<Record<string, string | undefined>>,
    options: CompositionOptions = {},
  ) {
    const registry = options.registry ?? castoreRegistry;
    // Null prototype, as in parseCompositionToml: a kind `__proto__` must be an unknown kind.
    const entries: Record<string, Record<string, ServiceConfig>> = Object.create(null);
    for (const [kind, url] of Object.entries(urls)) {
      if (url !== undefined) entries[kind] = { default: registry.configFromUrl(kind, url) };
    }
    return new Composition(entries, options);
  }

  /** Names of the entries of one kind. */
  names(kind: string): string[] {
    return [...(this.#entries.get(kind)?.keys() ?? [])];
  }

  has(kind: string, name: string): boolean {
    return this.#entries.get(kind)?.has(name) ?? false;
  }

  /** Unknown names and cycles, found before anything is built. */
  #checkReferences(): void {
    for (const [kind, m] of this.#entries) {
      for (const [name, e] of m) {
        for (const r of e.references) {
          if (isUrlReference(r.ref)) {
            this.#checkUrlReference(r.kind, r.ref, `${entryName(kind, name)}.${r.field}`);
          } else if (!this.has(r.kind, r.ref)) {
            throw new ConfigError(
              "NotFound",
              `${entryName(kind, name)}.${r.field}: store not found: ${r.ref} (no ${entryName(r.kind, r.ref)})`,
            );
          }
        }
      }
    }
    // Depth-first search; a node met again while still on the path closes a cycle.
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (kind: string, name: string) => {
      const key = entryName(kind, name);
      const s = state.get(key);
      if (s === "done") return;
      if (s === "open") {
        const cycle = [...path.slice(path.indexOf(key)), key];
        throw new ConfigError("Recursion", `recursion not allowed: ${cycle.join(" -> ")}`);
      }
      state.set(key, "open");
      path.push(key);
      for (const r of this.#entries.get(kind)!.get(name)!.references) {
        if (!isUrlReference(r.ref)) visit(r.kind, r.ref);
      }
      path.pop();
      state.set(key, "done");
    };
    for (const [kind, m] of this.#entries) for (const name of m.keys()) visit(kind, name);
  }

  /** `#checkUrl`, with errors that also say which field holds the URL. */
  #checkUrlReference(kind: string, url: string, where: string): void {
    try {
      this.#checkUrl(kind, url, where);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(e.code, `${where}: ${e.message}`, { cause: e });
    }
  }

  /** A URL reference must be buildable too (and so must the URLs it refers to). */
  #checkUrl(kind: string, url: string, where: string): void {
    const config = this.registry.configFromUrl(kind, url);
    const builder = this.registry.builder(kind, config.type, where);
    const parsed = builder.parse(config, url);
    for (const r of builder.references(parsed)) {
      if (!isUrlReference(r.ref)) {
        throw new ConfigError("NotFound", `${url}: ${r.field} must be a URL here, not ${r.ref}`);
      }
      this.#checkUrl(r.kind, r.ref, url);
    }
  }

  /**
   * The service a reference stands for: a name (built once, then shared) or a URL (a fresh,
   * anonymous service every time).
   */
  build<T>(kind: string, ref: string): T {
    return this.#resolve(kind, ref, []) as T;
  }

  /** A service from a URL alone (never a name). */
  buildUrl<T>(kind: string, url: string): T {
    return this.#fromUrl(kind, url, []) as T;
  }

  blobService(name = "default"): BlobService {
    return this.build<BlobService>("blob", name);
  }

  directoryService(name = "default"): DirectoryService {
    return this.build<DirectoryService>("directory", name);
  }

  #resolve(kind: string, ref: string, stack: readonly string[]): unknown {
    if (isUrlReference(ref)) return this.#fromUrl(kind, ref, stack);
    const key = entryName(kind, ref);
    if (this.#built.has(key)) return this.#built.get(key);
    const entry = this.#entries.get(kind)?.get(ref);
    if (!entry) throw new ConfigError("NotFound", `store not found: ${ref} (no ${key})`);
    // Checked at construction already; kept as a guard for registries with odd builders.
    if (stack.includes(key)) {
      throw new ConfigError("Recursion", `recursion not allowed: ${[...stack, key].join(" -> ")}`);
    }
    const service = this.#construct(entry.builder, entry.parsed, key, [...stack, key]);
    this.#built.set(key, service);
    return service;
  }

  #fromUrl(kind: string, url: string, stack: readonly string[]): unknown {
    const config = this.registry.configFromUrl(kind, url);
    const builder = this.registry.builder(kind, config.type, url);
    return this.#construct(builder, builder.parse(config, url), url, stack);
  }

  #construct(
    builder: ServiceBuilder<unknown>,
    parsed: unknown,
    where: string,
    stack: readonly string[],
  ) {
    let service: unknown;
    try {
      service = builder.build(parsed, {
        defaults: this.defaults,
        resolve: (kind, ref) => this.#resolve(kind, ref, stack),
      });
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(
        "Failed",
        `instantiation of service ${where} failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    if (typeof (service as Closable | undefined)?.close === "function")
      this.#owned.push(service as Closable);
    return service;
  }

  /** Closes every service this composition built (most recent first). */
  async close(): Promise<void> {
    const owned = this.#owned.splice(0).reverse();
    for (const s of owned) await s.close().catch(() => {});
  }
}

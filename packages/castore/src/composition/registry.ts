/**
 * The registry maps (service kind, `type` tag) to a builder, as Tvix's composition registry
 * does (castore-store.md §5). Kinds are open strings: castore registers `blob` and `directory`;
 * the store package adds `pathinfo` to a copy of this registry without castore knowing it.
 *
 * A builder checks an entry's fields once (`parse`), says which other services the entry uses
 * (`references`, so a composition can reject unknown names and cycles before building
 * anything), builds the service, and optionally turns a URL of its type into an entry: a URL and
 * a composition entry thus go through the same code and produce the same objects.
 */
import { ConfigError } from "../errors.ts";
import type { ResolvedDefaults } from "./defaults.ts";
import type { ServiceConfig } from "./fields.ts";
import { parseUrl } from "./url.ts";

/** A use of another service: by name, or (containing `://`) an anonymous one from a URL. */
export interface Reference {
  readonly kind: string;
  readonly ref: string;
  /** The field that holds it, for messages. */
  readonly field: string;
}

export interface BuildContext {
  readonly defaults: ResolvedDefaults;
  /** The service a reference names, built (once) by the composition. */
  resolve(kind: string, ref: string): unknown;
}

export interface ServiceBuilder<P> {
  /** Checks an entry's fields (throwing ConfigError naming `where`); the result goes to build. */
  parse(config: ServiceConfig, where: string): P;
  references(parsed: P): readonly Reference[];
  build(parsed: P, ctx: BuildContext): unknown;
  /** The entry a URL of this type stands for; absent when the type has no URL form. */
  fromUrl?(url: URL, raw: string): ServiceConfig;
}

type AnyBuilder = ServiceBuilder<unknown>;

export class Registry {
  readonly #builders = new Map<string, AnyBuilder>();

  register<P>(kind: string, tag: string, builder: ServiceBuilder<P>): this {
    this.#builders.set(`${kind}\0${tag}`, builder as unknown as AnyBuilder);
    return this;
  }

  /** A copy to which more types (or kinds) can be added. */
  extend(): Registry {
    const r = new Registry();
    for (const [k, b] of this.#builders) r.#builders.set(k, b);
    return r;
  }

  hasKind(kind: string): boolean {
    for (const k of this.#builders.keys()) if (k.startsWith(`${kind}\0`)) return true;
    return false;
  }

  builder(kind: string, tag: string, where: string): AnyBuilder {
    const b = this.#builders.get(`${kind}\0${tag}`);
    if (!b) throw new ConfigError("UnknownType", `${where}: Unknown type: ${tag}`);
    return b;
  }

  /**
   * The entry `url` stands for. The type tag is the scheme up to the first `+`
   * (`objectstore+s3` → `objectstore`), as in Tvix.
   */
  configFromUrl(kind: string, url: string): ServiceConfig {
    const u = parseUrl(url);
    const tag = u.protocol.slice(0, -1).split("+")[0]!;
    const b = this.#builders.get(`${kind}\0${tag}`);
    if (!b) throw new ConfigError("InvalidUrl", `${url}: unknown ${kind} service type ${tag}`);
    if (!b.fromUrl) {
      throw new ConfigError("InvalidUrl", `${url}: ${kind} service type ${tag} has no URL form`);
    }
    return b.fromUrl(u, url);
  }
}

/** Whether a reference is an anonymous URL rather than a name. */
export function isUrlReference(ref: string): boolean {
  return ref.includes("://");
}

/**
 * Reads the fields of one service entry (`{ type = "…", … }` in a composition file, or the
 * equivalent built from a URL), with errors that name the entry and the field. Every field must
 * be read once; `done` rejects the ones nobody asked for, as Tvix's serde configs do.
 */
import { ConfigError } from "../errors.ts";

/** One service entry: a `type` tag plus its fields. */
export interface ServiceConfig {
  readonly type: string;
  readonly [field: string]: unknown;
}

export class Fields {
  readonly #config: ServiceConfig;
  readonly #where: string;
  readonly #seen = new Set<string>(["type"]);

  constructor(config: ServiceConfig, where: string) {
    this.#config = config;
    this.#where = where;
  }

  fail(message: string): never {
    throw new ConfigError("InvalidField", `${this.#where}: ${message}`);
  }

  #get(name: string): unknown {
    this.#seen.add(name);
    // Own fields only: an entry built as a plain object must not "have" `constructor`.
    return Object.hasOwn(this.#config, name) ? this.#config[name] : undefined;
  }

  string(name: string): string | undefined {
    const v = this.#get(name);
    if (v === undefined) return undefined;
    if (typeof v !== "string") this.fail(`${name} must be a string`);
    return v;
  }

  requiredString(name: string): string {
    return this.string(name) ?? this.fail(`missing field ${name}`);
  }

  boolean(name: string): boolean | undefined {
    const v = this.#get(name);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") this.fail(`${name} must be true or false`);
    return v;
  }

  integer(name: string): number | undefined {
    const v = this.#get(name);
    if (v === undefined) return undefined;
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) this.fail(`${name} must be an integer`);
    return n;
  }

  /** A table of string values (e.g. `object_store_options`). */
  stringMap(name: string): Record<string, string> | undefined {
    const v = this.#get(name);
    if (v === undefined) return undefined;
    if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Date)
      this.fail(`${name} must be a table`);
    // Null prototype: a key `__proto__` is kept (and then reported as an unknown option).
    const out: Record<string, string> = Object.create(null);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x !== "string") this.fail(`${name}.${k} must be a string`);
      out[k] = x;
    }
    return out;
  }

  /** A non-empty list of strings (e.g. the services of `priority`). */
  stringList(name: string): string[] {
    const v = this.#get(name);
    if (v === undefined) this.fail(`missing field ${name}`);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string")) {
      this.fail(`${name} must be a non-empty list of names`);
    }
    return v as string[];
  }

  /** Rejects fields that were not read. */
  done(): void {
    for (const k of Object.keys(this.#config)) {
      if (!this.#seen.has(k)) this.fail(`unknown field ${k}`);
    }
  }
}

/**
 * Composition files (TOML, Tvix's shape): tables `blobservices`, `directoryservices` and
 * `pathinfoservices`, each mapping a name to `{ type = "…", … }`; the `default` entries are what
 * the commands use. tvix-ts adds an optional `[defaults]` table for settings every backend
 * shares (`avg_chunk_size`, `size_formula = "tvix" | "proto"`).
 */
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";
import { Composition, type CompositionOptions } from "./composition.ts";
import { AVG_CHUNK_SIZE_RULE, type ServiceDefaults, validAvgChunkSize } from "./defaults.ts";
import type { ServiceConfig } from "./fields.ts";

export interface CompositionFile {
  readonly entries: Record<string, Record<string, ServiceConfig>>;
  readonly defaults: ServiceDefaults;
}

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Parses a composition file's text; `source` names it in errors. */
export function parseCompositionToml(text: string, source = "composition"): CompositionFile {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof TomlError ? e.message.split("\n")[0] : (e as Error).message;
    throw new ConfigError("InvalidToml", `${source}: ${why}`, { cause: e });
  }
  // Null prototypes throughout (smol-toml's own tables have none either): with `{}`, a kind or
  // name `__proto__` would set the prototype and the entry would vanish without an error.
  const entries: Record<string, Record<string, ServiceConfig>> = Object.create(null);
  let defaults: ServiceDefaults = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === "defaults") {
      defaults = parseDefaults(value, source);
      continue;
    }
    if (!key.endsWith("services") || key === "services") {
      throw new ConfigError("InvalidField", `${source}: unknown top-level key ${key}`);
    }
    if (!isTable(value)) throw new ConfigError("InvalidField", `${source}: ${key} must be a table`);
    const kind = key.slice(0, -"services".length);
    const named: Record<string, ServiceConfig> = Object.create(null);
    for (const [name, entry] of Object.entries(value)) {
      if (!isTable(entry) || typeof entry.type !== "string") {
        throw new ConfigError(
          "InvalidField",
          `${source}: ${key}.${name} must be a table with a type`,
        );
      }
      named[name] = entry as ServiceConfig;
    }
    entries[kind] = named;
  }
  return { entries, defaults };
}

function parseDefaults(value: unknown, source: string): ServiceDefaults {
  if (!isTable(value)) throw new ConfigError("InvalidField", `${source}: defaults must be a table`);
  let avgChunkSize: number | undefined;
  let sizeFormula: ServiceDefaults["sizeFormula"];
  for (const [k, v] of Object.entries(value)) {
    if (k === "avg_chunk_size") {
      if (!validAvgChunkSize(v)) {
        throw new ConfigError(
          "InvalidField",
          `${source}: defaults.avg_chunk_size ${v} ${AVG_CHUNK_SIZE_RULE}`,
        );
      }
      avgChunkSize = v;
    } else if (k === "size_formula") {
      if (v !== "tvix" && v !== "proto") {
        throw new ConfigError(
          "InvalidField",
          `${source}: defaults.size_formula must be "tvix" or "proto"`,
        );
      }
      sizeFormula = v;
    } else {
      throw new ConfigError("InvalidField", `${source}: unknown field defaults.${k}`);
    }
  }
  return { avgChunkSize, sizeFormula };
}

/**
 * A Composition from a file's text. Defaults given by the caller apply where the file's
 * `[defaults]` table says nothing.
 */
export function compositionFromToml(
  text: string,
  options: CompositionOptions & { source?: string } = {},
): Composition {
  const file = parseCompositionToml(text, options.source);
  return new Composition(file.entries, {
    registry: options.registry,
    unknownKinds: options.unknownKinds,
    defaults: {
      avgChunkSize: file.defaults.avgChunkSize ?? options.defaults?.avgChunkSize,
      sizeFormula: file.defaults.sizeFormula ?? options.defaults?.sizeFormula,
    },
  });
}

/**
 * Settings that apply to every backend that has them, kept in one place so a URL, a
 * composition file and a programmatic caller all get the same defaults. A composition entry may
 * still override one for itself (Tvix's per-entry `avg_chunk_size`).
 */
import { CutParams, chunkSizesFor, DEFAULT_AVG_CHUNK_SIZE } from "../blob/fastcdc.ts";
import { ConfigError } from "../errors.ts";
import type { SizeFormula } from "../model/directory.ts";

export interface ServiceDefaults {
  /** FastCDC average chunk size of `objectstore` blob services (Tvix: 256 KiB). */
  readonly avgChunkSize?: number;
  /** How directory closures' edge sizes are checked (castore-store.md §1.7). */
  readonly sizeFormula?: SizeFormula;
}

export type ResolvedDefaults = Required<ServiceDefaults>;

export const BUILTIN_DEFAULTS: ResolvedDefaults = {
  avgChunkSize: DEFAULT_AVG_CHUNK_SIZE,
  sizeFormula: "tvix",
};

export function resolveDefaults(d: ServiceDefaults = {}): ResolvedDefaults {
  checkDefaults(d);
  return {
    avgChunkSize: d.avgChunkSize ?? BUILTIN_DEFAULTS.avgChunkSize,
    sizeFormula: d.sizeFormula ?? BUILTIN_DEFAULTS.sizeFormula,
  };
}

/**
 * The average chunk sizes an objectstore blob service can chunk with. Its writer uses
 * `chunkSizesFor(avg)` (min = avg/2, max = 2·avg), and `CutParams` wants min in [64, 1 MiB],
 * avg in [256, 4 MiB] and max in [1 KiB, 16 MiB]: so avg ≥ 512 (max ≥ 1 KiB) and avg ≤ 2 MiB
 * (min ≤ 1 MiB). avg must also be even: min = avg/2 is a number of bytes (Tvix halves in whole
 * bytes, `chunkSizesFor` does not round).
 */
export const AVG_CHUNK_SIZE_LIMITS = { min: 512, max: 2 * 1024 * 1024 } as const;

/** What an invalid size is told, so URL, entry and `[defaults]` messages agree. */
export const AVG_CHUNK_SIZE_RULE = `must be an even integer from ${AVG_CHUNK_SIZE_LIMITS.min} to ${AVG_CHUNK_SIZE_LIMITS.max}`;

/**
 * Whether FastCDC accepts `n` as avg_chunk_size. CutParams itself decides the range, so this
 * cannot drift from what the writer will accept on its first write.
 */
export function validAvgChunkSize(n: unknown): n is number {
  if (!Number.isSafeInteger(n) || (n as number) % 2 !== 0) return false;
  try {
    new CutParams(chunkSizesFor(n as number));
    return true;
  } catch {
    return false;
  }
}

/** Checks programmatic defaults as a composition file's `[defaults]` would be. */
function checkDefaults(d: ServiceDefaults): void {
  if (d.avgChunkSize !== undefined && !validAvgChunkSize(d.avgChunkSize)) {
    throw new ConfigError(
      "InvalidField",
      `defaults: avg_chunk_size ${d.avgChunkSize} ${AVG_CHUNK_SIZE_RULE}`,
    );
  }
  if (d.sizeFormula !== undefined && d.sizeFormula !== "tvix" && d.sizeFormula !== "proto") {
    throw new ConfigError("InvalidField", `defaults: size_formula must be "tvix" or "proto"`);
  }
}

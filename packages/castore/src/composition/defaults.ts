/**
 * Settings that apply to every backend that has them, kept in one place so a URL, a
 * composition file and a programmatic caller all get the same defaults. A composition entry may
 * still override one for itself (Tvix's per-entry `avg_chunk_size`).
 */
import { DEFAULT_AVG_CHUNK_SIZE } from "../blob/fastcdc.ts";
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
  return {
    avgChunkSize: d.avgChunkSize ?? BUILTIN_DEFAULTS.avgChunkSize,
    sizeFormula: d.sizeFormula ?? BUILTIN_DEFAULTS.sizeFormula,
  };
}

/** FastCDC needs min = avg/2 ≥ 64 and max = 2·avg within reason. */
export function validAvgChunkSize(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 256 && (n as number) <= 64 * 1024 * 1024;
}

/**
 * `nix-cache-info`, the file at the root of a binary cache (spec §7.2):
 *
 *   StoreDir: /nix/store
 *   WantMassQuery: 1
 *   Priority: 40
 *
 * Read as CppNix does: lines without `:` are skipped, values are trimmed, unknown keys ignored
 * (kept here in `extraFields`), `WantMassQuery` is true only for `1`. CppNix reads `Priority`
 * with `stoi`, which takes any leading number; we want the whole value to be an integer.
 * Whether `StoreDir` matches the local store is for the caller to check.
 */
import { NixCompatError } from "../errors.ts";

export class BinaryCacheError extends NixCompatError {}

export const NIX_CACHE_INFO_PATH = "nix-cache-info";

export interface NixCacheInfo {
  storeDir?: string;
  wantMassQuery?: boolean;
  priority?: number;
  /** Other `Key: value` lines, in order. */
  extraFields: [string, string][];
}

const WS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

export function parseNixCacheInfo(text: string): NixCacheInfo {
  const info: NixCacheInfo = { extraFields: [] };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(WS, "");
    switch (key) {
      case "StoreDir":
        info.storeDir = value;
        break;
      case "WantMassQuery":
        info.wantMassQuery = value === "1";
        break;
      case "Priority": {
        const n = /^[+-]?[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
        if (!(n >= -(2 ** 31) && n < 2 ** 31)) {
          throw new BinaryCacheError(
            "invalid-cache-info",
            `nix-cache-info line ${i + 1}: Priority ${JSON.stringify(value.slice(0, 40))} is not an integer`,
          );
        }
        // An int, as CppNix reads it: "-0" is 0.
        info.priority = n === 0 ? 0 : n;
        break;
      }
      default:
        info.extraFields.push([key, value]);
    }
  }
  return info;
}

export function formatNixCacheInfo(info: NixCacheInfo): string {
  const line = (k: string, v: string): string => {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v) || k.includes(":")) {
      throw new BinaryCacheError("invalid-cache-info", `cannot write nix-cache-info field '${k}'`);
    }
    return `${k}: ${v}\n`;
  };
  let s = "";
  if (info.storeDir !== undefined) s += line("StoreDir", info.storeDir);
  if (info.wantMassQuery !== undefined) s += line("WantMassQuery", info.wantMassQuery ? "1" : "0");
  if (info.priority !== undefined) {
    if (!Number.isInteger(info.priority)) {
      throw new BinaryCacheError("invalid-cache-info", "Priority must be an integer");
    }
    s += line("Priority", String(info.priority));
  }
  for (const [k, v] of info.extraFields) s += line(k, v);
  return s;
}

/**
 * Converts a parsed TOML tree to the printed-value model of engines-oracle.ts, the way
 * `builtins.fromTOML` builds Nix values: tables become sets, arrays lists, floats print with
 * `%g`, and dates/times become `{ _type = "timestamp"; value = ...; }` (parse-toml-timestamps).
 */
import type { TomlValue } from "../../src/builtins/engines/toml.ts";
import { formatFloatG, type NixValue } from "./engines-oracle.ts";

export function tomlToNix(v: TomlValue): NixValue {
  switch (v.kind) {
    case "table":
      return { attrs: new Map([...v.entries].map(([k, x]) => [k, tomlToNix(x)])) };
    case "array":
      return v.items.map(tomlToNix);
    case "string":
      return v.value;
    case "integer":
      return { int: v.value };
    case "float":
      return { float: v.negativeNan ? "-nan" : formatFloatG(v.value) };
    case "boolean":
      return v.value;
    case "datetime":
      return {
        attrs: new Map<string, NixValue>([
          ["_type", "timestamp"],
          ["value", v.value],
        ]),
      };
  }
}

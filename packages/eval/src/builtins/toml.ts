/** fromTOML, on the TOML engine of builtins/engines. */
import { throwEval } from "../eval-error.ts";
import { forceString, state } from "../runtime.ts";
import { NixAttrs, NixFloat, normInt, type Slot, type Value } from "../values.ts";
import { parseToml, TomlError, type TomlValue } from "./engines/toml.ts";
import { registerBuiltin } from "./registry.ts";

function toNix(v: TomlValue): Value {
  switch (v.kind) {
    case "table":
      return NixAttrs.fromEntries([...v.entries].map(([k, x]) => [k, toNix(x)] as [string, Slot]));
    case "array":
      return v.items.map(toNix);
    case "string":
      return v.value;
    case "integer":
      return normInt(v.value);
    case "float":
      return new NixFloat(v.value);
    case "boolean":
      return v.value;
    case "datetime":
      if (state.features.has("parse-toml-timestamps"))
        return new NixAttrs(["_type", "value"], ["timestamp", v.value], null);
      return throwEval("while parsing TOML: Dates and times are not supported");
  }
}

registerBuiltin("fromTOML", 1, (s: Slot) => {
  const text = forceString(s);
  try {
    return toNix(parseToml(text));
  } catch (e) {
    if (e instanceof TomlError) return throwEval(`while parsing TOML: ${e.message}`);
    throw e;
  }
});

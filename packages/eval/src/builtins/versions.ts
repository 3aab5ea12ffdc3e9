/** splitVersion, compareVersions and parseDrvName, on the versions engine. */
import { forceStringNoCtx } from "../runtime.ts";
import { NixAttrs, type Slot } from "../values.ts";
import { compareVersions, parseDrvName, splitVersion } from "./engines/versions.ts";
import { registerBuiltin } from "./registry.ts";

registerBuiltin("splitVersion", 1, (v: Slot) => splitVersion(forceStringNoCtx(v)));

registerBuiltin("compareVersions", 2, (a: Slot, b: Slot) => {
  const v1 = forceStringNoCtx(a);
  const v2 = forceStringNoCtx(b);
  return compareVersions(v1, v2);
});

registerBuiltin("parseDrvName", 1, (s: Slot) => {
  const { name, version } = parseDrvName(forceStringNoCtx(s));
  return new NixAttrs(["name", "version"], [name, version], null);
});

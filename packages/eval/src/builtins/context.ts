/** String context builtins. */
import { throwEval } from "../eval-error.ts";
import { forceAttrs, forceBool, forceList, forceString, forceStringValue } from "../runtime.ts";
import { force, mkString, NixAttrs, NixString, type Slot, strOf } from "../values.ts";
import { registerBuiltin } from "./registry.ts";

registerBuiltin("hasContext", 1, (v: Slot) => forceStringValue(v) instanceof NixString);

registerBuiltin("unsafeDiscardStringContext", 1, (v: Slot) => strOf(forceStringValue(v)));

registerBuiltin("unsafeDiscardOutputDependency", 1, (v: Slot) => {
  const s = forceStringValue(v);
  if (!(s instanceof NixString)) return s;
  const ctx = new Set<string>();
  for (const c of s.ctx) ctx.add(c.startsWith("=") ? c.slice(1) : c);
  return mkString(s.s, ctx);
});

registerBuiltin("addDrvOutputDependencies", 1, (v: Slot) => {
  const s = forceStringValue(v);
  if (!(s instanceof NixString) || s.ctx.size !== 1)
    throwEval(
      `context of string '${strOf(s)}' must have exactly one element, but has ${s instanceof NixString ? s.ctx.size : 0}`,
    );
  const [c] = s.ctx;
  if (c.startsWith("=")) return s;
  if (c.startsWith("!"))
    throwEval(
      `\`addDrvOutputDependencies\` can only act on derivations, not on a derivation output such as '${c.split("!")[1]}'`,
    );
  if (!c.endsWith(".drv")) throwEval(`path '${c}' is not a derivation`);
  return mkString(s.s, new Set([`=${c}`]));
});

registerBuiltin("getContext", 1, (v: Slot) => {
  const s = forceStringValue(v);
  if (!(s instanceof NixString)) return NixAttrs.EMPTY;
  const info = new Map<string, { path: boolean; all: boolean; outputs: string[] }>();
  const get = (p: string) => {
    let i = info.get(p);
    if (!i) {
      i = { path: false, all: false, outputs: [] };
      info.set(p, i);
    }
    return i;
  };
  for (const c of s.ctx) {
    if (c.startsWith("=")) get(c.slice(1)).all = true;
    else if (c.startsWith("!")) {
      const j = c.indexOf("!", 1);
      get(c.slice(j + 1)).outputs.push(c.slice(1, j));
    } else get(c).path = true;
  }
  const entries: [string, Slot][] = [];
  for (const [p, i] of info) {
    const fields: [string, Slot][] = [];
    if (i.path) fields.push(["path", true]);
    if (i.all) fields.push(["allOutputs", true]);
    if (i.outputs.length > 0) fields.push(["outputs", i.outputs.sort()]);
    entries.push([p, NixAttrs.fromEntries(fields)]);
  }
  return NixAttrs.fromEntries(entries);
});

registerBuiltin("appendContext", 2, (v: Slot, c: Slot) => {
  const s = forceStringValue(v);
  const ctx = new Set<string>(s instanceof NixString ? s.ctx : []);
  const set = forceAttrs(c);
  for (let i = 0; i < set.keys.length; i++) {
    const p = set.keys[i];
    if (!p.startsWith("/")) throwEval(`context key '${p}' is not a store path`);
    const info = forceAttrs(set.values[i]);
    const path = info.get("path");
    if (path !== undefined && forceBool(path)) ctx.add(p);
    const all = info.get("allOutputs");
    if (all !== undefined && forceBool(all)) {
      if (!p.endsWith(".drv"))
        throwEval(
          `tried to add all-outputs context of ${p}, which is not a derivation, to a string`,
        );
      ctx.add(`=${p}`);
    }
    const outs = info.get("outputs");
    if (outs !== undefined) {
      const list = forceList(outs);
      if (list.length > 0 && !p.endsWith(".drv"))
        throwEval(
          `tried to add derivation output context of ${p}, which is not a derivation, to a string`,
        );
      for (const o of list) ctx.add(`!${forceString(o)}!${p}`);
    }
  }
  return mkString(strOf(s), ctx);
});

export { force };

/**
 * Adding bindings to an attribute set at parse time, with CppNix's rules (`ParserState::addAttr`):
 *
 * - `a.b.c = v;` creates nested sets for `a` and `b`, or walks into existing ones, but only if the
 *   existing value is an attribute-set literal (`{...}`, `rec {...}`, in parentheses or not);
 *   anything else (including `inherit a;`) is "attribute 'a.b.c' already defined at ...".
 * - `a = {...};` where `a` already holds a set literal merges the new set's bindings into the
 *   existing one (one level deep: a name defined in both is an error), so the kind (rec or not)
 *   of the first definition wins.
 * - Dynamic components (`${e}`, `"a${b}"`) are never merged: each makes its own nested set.
 */
import {
  AttrDef,
  type AttrName,
  Attrs,
  DEF_INHERITED_FROM,
  DEF_PLAIN,
  DynamicAttrDef,
  type Expr,
  type InheritFrom,
  N_ATTRS,
  NO_DYNAMIC,
  type Select,
} from "./ast.ts";

export interface BindingErrors {
  /** "attribute '<shown>' already defined at <prev>", with the caret at `start`. */
  duplicate(shown: string, start: number, end: number, prevStart: number): void;
  /** How an attribute path appears in that message. */
  showPath(path: AttrName[]): string;
  showName(name: string): string;
}

export function addAttr(
  target: Attrs,
  path: AttrName[],
  value: Expr,
  start: number,
  end: number,
  errors: BindingErrors,
): void {
  let attrs = target;
  const last = path.length - 1;
  for (let k = 0; k < last; k++) {
    const comp = path[k];
    if (comp.name !== null) {
      const j = attrs.attrs.get(comp.name);
      if (j !== undefined) {
        if (j.value.kind !== N_ATTRS) {
          errors.duplicate(errors.showPath(path), start, end, j.start);
          return;
        }
        attrs = j.value;
      } else {
        const nested = new Attrs(start, end, false);
        attrs.attrs.set(comp.name, new AttrDef(DEF_PLAIN, nested, start, end));
        attrs = nested;
      }
    } else {
      const nested = new Attrs(start, end, false);
      pushDynamic(attrs, new DynamicAttrDef(comp.expr!, nested, start, end));
      attrs = nested;
    }
  }
  const comp = path[last];
  if (comp.name === null) {
    pushDynamic(attrs, new DynamicAttrDef(comp.expr!, value, start, end));
    return;
  }
  const j = attrs.attrs.get(comp.name);
  if (j === undefined) {
    attrs.attrs.set(comp.name, new AttrDef(DEF_PLAIN, value, start, end));
    return;
  }
  if (value.kind === N_ATTRS && j.value.kind === N_ATTRS) mergeInto(j.value, value, errors);
  else errors.duplicate(errors.showPath(path), start, end, j.start);
}

function pushDynamic(attrs: Attrs, d: DynamicAttrDef): void {
  if (attrs.dynamic === NO_DYNAMIC) attrs.dynamic = [d];
  else attrs.dynamic.push(d);
}

/** `name = value;` (a path of one static name): addAttr's last step, without path objects. */
export function addAttrName(
  attrs: Attrs,
  name: string,
  value: Expr,
  start: number,
  end: number,
  errors: BindingErrors,
): void {
  const j = attrs.attrs.get(name);
  if (j === undefined) attrs.attrs.set(name, new AttrDef(DEF_PLAIN, value, start, end));
  else if (value.kind === N_ATTRS && j.value.kind === N_ATTRS) mergeInto(j.value, value, errors);
  else errors.duplicate(errors.showName(name), start, end, j.start);
}

function mergeInto(into: Attrs, from: Attrs, errors: BindingErrors): void {
  const offset = into.inheritFrom?.length ?? 0;
  const shifted = new Set<InheritFrom>();
  for (const [name, def] of from.attrs) {
    const existing = into.attrs.get(name);
    if (existing !== undefined) {
      // CppNix's caret is on the earlier definition, and "at" names the later one.
      errors.duplicate(errors.showName(name), existing.start, existing.end, def.start);
      continue;
    }
    into.attrs.set(name, def);
    if (def.kind === DEF_INHERITED_FROM && offset > 0) {
      // The `inherit (e)` sources are appended below; renumber references to them (once per
      // source, since the names of one statement share it).
      const src = (def.value as Select).expr as InheritFrom;
      if (!shifted.has(src)) {
        shifted.add(src);
        src.index += offset;
      }
    }
  }
  for (const d of from.dynamic) pushDynamic(into, d);
  if (from.inheritFrom) {
    if (!into.inheritFrom) into.inheritFrom = [];
    for (const e of from.inheritFrom) into.inheritFrom.push(e);
  }
}

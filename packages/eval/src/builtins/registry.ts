/**
 * The builtin registration API. Each theme module (attrs.ts, lists.ts, …) calls
 * `registerBuiltin` at load time; `createGlobals` turns the registry into the base environment
 * of an evaluation.
 *
 * A builtin receives its arguments **unforced** (slots) and forces what it needs, in CppNix's
 * order, with the `force*` helpers of runtime.ts; it returns a value in weak head normal form.
 * Errors are thrown with `throwEval` (uncatchable) or `throwCatchable` (`throw`-like).
 *
 * Names follow CppNix: every builtin is `builtins.<name>`; at the top level it is visible as the
 * bare `<name>` if CppNix does so (`map`, `toString`, …, see globals.ts) and as `__<name>` otherwise.
 */
import { DEFAULT_GLOBALS } from "../globals.ts";
import { NixAttrs, PrimOp, type Slot, Thunk, type Value } from "../values.ts";

interface Entry {
  name: string;
  make: () => Slot;
}

const registry = new Map<string, Entry>();

/** Registers a builtin function of `arity` (≥ 1) unforced arguments. */
// biome-ignore lint/suspicious/noExplicitAny: arguments are slots; builtins declare their own
export function registerBuiltin(name: string, arity: number, fn: (...args: any[]) => Value): void {
  const op = new PrimOp(name, arity, fn);
  registry.set(name, { name, make: () => op });
}

/**
 * Registers a constant; `make` runs once per evaluation, lazily (so it may use the evaluation
 * state, e.g. `currentTime`).
 */
export function registerConstant(name: string, make: () => Value): void {
  registry.set(name, {
    name,
    make: () => new Thunk(() => make(), []),
  });
}

export function registeredNames(): string[] {
  return [...registry.keys()].sort();
}

/**
 * The base environment: `builtins`, `true`/`false`/`null`, and each builtin under its top-level
 * name. `extra` entries (e.g. a test-only `derivation`) are added to both.
 */
export function createGlobals(extra: Map<string, Slot> = new Map()): Map<string, Slot> {
  const globals = new Map<string, Slot>();
  const entries: [string, Slot][] = [];
  const all = new Map<string, Slot>();
  for (const e of registry.values()) all.set(e.name, e.make());
  for (const [k, v] of extra) all.set(k, v);
  for (const [name, slot] of all) {
    entries.push([name, slot]);
    if (DEFAULT_GLOBALS.has(name)) globals.set(name, slot);
    else globals.set(`__${name}`, slot);
  }
  entries.push(["true", true], ["false", false], ["null", null]);
  const builtinsThunk = new Thunk(() => builtins, []);
  entries.push(["builtins", builtinsThunk]);
  const builtins = NixAttrs.fromEntries(entries);
  builtinsThunk.force();
  globals.set("builtins", builtins);
  globals.set("true", true);
  globals.set("false", false);
  globals.set("null", null);
  return globals;
}

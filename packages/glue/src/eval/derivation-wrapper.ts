/**
 * `derivation`: CppNix's Nix-coded wrapper around `derivationStrict` (eval-glue.md §3.4),
 * written as a builtin with the same laziness so that the 20,000-derivation benchmark does not
 * pay for interpreting it. For `drvAttrs` with `outputs ? [ "out" ]`:
 *
 *   strict      = derivationStrict drvAttrs             (once, when an outPath/drvPath is forced)
 *   outputsList = map (o: { name = o; value = common // { outPath = strict.${o};
 *                   drvPath = strict.drvPath; type = "derivation"; outputName = o; }; }) outputs
 *   common      = drvAttrs // listToAttrs outputsList // { all = map (x: x.value) outputsList;
 *                   inherit drvAttrs; }
 *   result      = (head outputsList).value
 *
 * Each output's set is built in one step from `drvAttrs` and the values above (`common` is
 * never materialised), following a layout computed once per attribute-name shape: the sets of
 * one `derivation { … }` call site share their name and position arrays, and building one
 * allocates its values array only.
 */
import {
  type Env,
  force,
  NixAttrs,
  type Pos,
  PrimOp,
  runtime,
  type Slot,
  Thunk,
  throwEval,
  type Value,
} from "@tvix-ts/eval";

import { derivationStrict } from "./derivation-strict.ts";
import type { GlueSession } from "./session.ts";

const DEFAULT_OUTPUTS: Slot[] = ["out"];
const JUST_OUT: readonly string[] = ["out"];
/** The environment of thunks whose code is a closure (never read). */
const NO_ENV: Env = [];

// Sources of a set's values in a layout: ≥ 0 is an index into drvAttrs; the rest are these, or
// OUTPUT - k for the value of output k (the first output of each name, as listToAttrs keeps).
const DRV_PATH = -1;
const OUT_PATH = -2;
const OUTPUT_NAME = -3;
const TYPE = -4;
const ALL = -5;
const DRV_ATTRS = -6;
const OUTPUT = -7;

const SPECIAL: ReadonlyMap<string, number> = new Map([
  ["drvPath", DRV_PATH],
  ["outPath", OUT_PATH],
  ["outputName", OUTPUT_NAME],
  ["type", TYPE],
  ["all", ALL],
  ["drvAttrs", DRV_ATTRS],
]);

interface Layout {
  /** The output names joined by NUL. */
  readonly outputs: string;
  /** drvAttrs' names and positions this layout was made for. */
  readonly srcKeys: readonly string[];
  readonly srcPos: readonly (Pos | undefined)[] | null;
  readonly keys: readonly string[];
  readonly pos: readonly (Pos | undefined)[] | null;
  readonly from: Int32Array;
}

/**
 * The last layout: the derivations of a package set mostly come from one call site, in a row.
 * (A cache per name array would keep an entry per computed set; this one entry never grows.)
 */
let last: Layout | undefined;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function positions(
  basePos: readonly (Pos | undefined)[] | null,
  from: Int32Array,
): (Pos | undefined)[] | null {
  if (basePos === null) return null;
  const pos = new Array<Pos | undefined>(from.length);
  for (let i = 0; i < from.length; i++) pos[i] = from[i]! >= 0 ? basePos[from[i]!] : undefined;
  return pos;
}

function layoutFor(drvAttrs: NixAttrs, names: readonly string[]): Layout {
  const outputs = names.length === 1 ? names[0]! : names.join("\0");
  if (last !== undefined && last.outputs === outputs && sameKeys(last.srcKeys, drvAttrs.keys)) {
    if (last.srcPos !== drvAttrs.pos)
      last = { ...last, srcPos: drvAttrs.pos, pos: positions(drvAttrs.pos, last.from) };
    return last;
  }
  // The overlay on drvAttrs, later entries winning: outputs (first of a name), then `all` and
  // `drvAttrs`, then drvPath/outPath/outputName/type.
  const overlay = new Map<string, number>();
  names.forEach((n, k) => {
    if (!overlay.has(n)) overlay.set(n, OUTPUT - k);
  });
  for (const [k, src] of SPECIAL) overlay.set(k, src);
  const keys = [...new Set([...drvAttrs.keys, ...overlay.keys()])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const from = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++)
    from[i] = overlay.get(keys[i]!) ?? drvAttrs.indexOf(keys[i]!);
  last = {
    outputs,
    srcKeys: drvAttrs.keys,
    srcPos: drvAttrs.pos,
    keys,
    pos: positions(drvAttrs.pos, from),
    from,
  };
  return last;
}

// Thunk code with the `derivationStrict` result thunk as its environment (no closure each).
const drvPathCode = (env: Env): Value => strictAttr(env as unknown as Thunk, "drvPath");
const outPathCodes = new Map<string, (env: Env) => Value>();
function outPathCode(name: string): (env: Env) => Value {
  let code = outPathCodes.get(name);
  if (code === undefined) {
    code = (env) => strictAttr(env as unknown as Thunk, name);
    outPathCodes.set(name, code);
  }
  return code;
}

/**
 * Calls `derivationStrict` itself (not the PrimOp around it). Every derivation that
 * depends on another forces it from inside its own `derivationStrict` (coercing `outPath`), so
 * dependency chains recurse as deep as they are long; the fewer JavaScript frames per level
 * (thunk → strict → derivationStrict), the less the garbage collector scans on each
 * young-generation collection.
 */
export function makeDerivationWrapper(session: GlueSession): PrimOp {
  return new PrimOp("derivation", 1, (a: Slot) => {
    const drvAttrs = runtime.forceAttrs(a);
    const nameSlots = runtime.forceList(drvAttrs.get("outputs") ?? DEFAULT_OUTPUTS);
    if (nameSlots.length === 0) return throwEval("list index 0 is out of bounds");
    return force(new DerivationCall(session, drvAttrs, nameSlots).values[0]!);
  });
}

/**
 * One `derivation` call: what its lazy parts need, in one object that their thunks take as
 * environment (rather than a closure and a context per part).
 */
class DerivationCall {
  readonly session: GlueSession;
  readonly drvAttrs: NixAttrs;
  readonly nameSlots: Slot[];
  /** `derivationStrict drvAttrs`. */
  readonly result: Thunk;
  readonly drvPath: Thunk;
  /** Each output's attribute set (the `value`s of `outputsList`). */
  readonly values: Slot[];
  layout: Layout | undefined;

  constructor(session: GlueSession, drvAttrs: NixAttrs, nameSlots: Slot[]) {
    this.session = session;
    this.drvAttrs = drvAttrs;
    this.nameSlots = nameSlots;
    this.result = new Thunk(strictCode, this as unknown as Env);
    this.drvPath = new Thunk(drvPathCode, this.result as unknown as Env);
    this.values = new Array(nameSlots.length);
    this.values[0] = new Thunk(firstOutputCode, this as unknown as Env);
    for (let k = 1; k < nameSlots.length; k++)
      this.values[k] = new Thunk(() => this.build(k), NO_ENV);
  }

  build(k: number): Value {
    const { drvAttrs, nameSlots, values, result } = this;
    // listToAttrs forces every name as soon as any output's set is needed.
    this.layout ??= layoutFor(
      drvAttrs,
      nameSlots.length === 1 && nameSlots[0] === "out"
        ? JUST_OUT
        : nameSlots.map((s) => runtime.forceStringNoCtx(s)),
    );
    const name = runtime.forceStringNoCtx(nameSlots[k]);
    const { keys, pos, from } = this.layout;
    const base = drvAttrs.values;
    const vals: Slot[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const src = from[i]!;
      if (src >= 0) vals[i] = base[src]!;
      else if (src === DRV_PATH) vals[i] = this.drvPath;
      else if (src === OUT_PATH) vals[i] = new Thunk(outPathCode(name), result as unknown as Env);
      else if (src === OUTPUT_NAME) vals[i] = nameSlots[k]!;
      else if (src === TYPE) vals[i] = "derivation";
      else if (src === ALL) vals[i] = values;
      else if (src === DRV_ATTRS) vals[i] = drvAttrs;
      else vals[i] = values[OUTPUT - src]!;
    }
    return new NixAttrs(keys, vals, pos);
  }
}

const strictCode = (env: Env): Value => {
  const call = env as unknown as DerivationCall;
  return derivationStrict(call.session, call.drvAttrs);
};
const firstOutputCode = (env: Env): Value => (env as unknown as DerivationCall).build(0);

/** An attribute of `derivationStrict`'s result. */
function strictAttr(result: Thunk, name: string): Value {
  const set = result.force();
  if (!(set instanceof NixAttrs)) return runtime.forceAttrs(set);
  const v = set.get(name);
  if (v === undefined) return throwEval(`attribute '${name}' missing`);
  return force(v);
}

/**
 * Printing values: `nix-instantiate --eval` output (`printValue`, CppNix `printAmbiguous`), deep
 * forcing for `--strict`, and the trace/REPL printer used by `builtins.trace` and messages
 * (`showValue`, CppNix `print.cc`).
 */
import { utf8ToByteString } from "./bytes.ts";
import { getCallDepth, setCallDepth } from "./compile.ts";
import { NixError } from "./eval-error.ts";
import { formatFloat, printIdentifier, printLiteralString } from "./print-literals.ts";
import {
  force,
  Lambda,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  PrimOp,
  PrimOpApp,
  type Slot,
  Thunk,
  type Value,
} from "./values.ts";

const u = utf8ToByteString;
const L = u("«");
const R = u("»");
const REPEATED = `${L}repeated${R}`;
const INF_REC = `${L}potential infinite recursion${R}`;

/** Forces a value and everything inside it (cycles terminate). */
export function deepForce(s: Slot): Value {
  const v = force(s);
  const seen = new Set<object>();
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x instanceof NixAttrs) {
      if (seen.has(x)) continue;
      seen.add(x);
      const vals = x.values;
      for (let i = 0; i < vals.length; i++) {
        let e: Value;
        try {
          e = force(vals[i]);
        } catch (err) {
          if (err instanceof NixError)
            err.addTrace(`while evaluating the attribute '${x.keys[i]}'`, x.pos?.[i] ?? null);
          throw err;
        }
        if (e instanceof NixAttrs || Array.isArray(e)) stack.push(e);
      }
    } else if (Array.isArray(x)) {
      if (seen.has(x)) continue;
      seen.add(x);
      for (let i = 0; i < x.length; i++) {
        const e = force(x[i]);
        if (e instanceof NixAttrs || Array.isArray(e)) stack.push(e);
      }
    }
  }
  return v;
}

/** `nix-instantiate --eval` output of a value (without the final newline). A byte string. */
export function printValue(s: Slot): string {
  const out: string[] = [];
  const seen = new Set<object>();
  const go = (slot: Slot, depth: number): void => {
    let v: Value;
    if (slot instanceof Thunk) {
      if (slot.isBlackhole) {
        out.push(INF_REC);
        return;
      }
      if (!slot.isForced) {
        out.push("<CODE>");
        return;
      }
      v = slot.value;
    } else v = slot;
    if (typeof v === "number" || typeof v === "bigint") out.push(String(v));
    else if (typeof v === "string") out.push(printLiteralString(v));
    else if (v === true) out.push("true");
    else if (v === false) out.push("false");
    else if (v === null) out.push("null");
    else if (v instanceof NixString) out.push(printLiteralString(v.s));
    else if (v instanceof NixFloat) out.push(formatFloat(v.value));
    else if (v instanceof NixPath) out.push(v.path);
    else if (v instanceof NixAttrs) {
      if (v.size > 0 && seen.has(v)) {
        out.push(REPEATED);
        return;
      }
      seen.add(v);
      out.push("{ ");
      const keys = v.keys;
      for (let i = 0; i < keys.length; i++) {
        out.push(printIdentifier(keys[i]), " = ");
        go(v.values[i], depth + 1);
        out.push("; ");
      }
      out.push("}");
    } else if (Array.isArray(v)) {
      if (v.length > 0 && seen.has(v)) {
        out.push(REPEATED);
        return;
      }
      seen.add(v);
      out.push("[ ");
      for (let i = 0; i < v.length; i++) {
        go(v[i], depth + 1);
        out.push(" ");
      }
      out.push("]");
    } else if (v instanceof Lambda) out.push("<LAMBDA>");
    else if (v instanceof PrimOp) out.push("<PRIMOP>");
    else if (v instanceof PrimOpApp) out.push("<PRIMOP-APP>");
    else out.push("<UNKNOWN>");
  };
  go(s, 0);
  return out.join("");
}

export interface ShowOptions {
  /** Nesting shown before `{ ... }` / `[ ... ]`. */
  maxDepth?: number;
  /** Attributes shown in the whole value before `«N attributes elided»`. */
  maxAttrs?: number;
  /** List items shown in the whole value before `«N items elided»`. */
  maxListItems?: number;
  /** Bytes of a string shown before `«N bytes elided»`. */
  maxStringLength?: number;
  /** Force thunks (errors print as `«error: …»`). */
  force?: boolean;
}

/** How CppNix shows a value inside an error message (`errorPrintOptions`). */
export const ERROR_PRINT: ShowOptions = {
  maxDepth: 10,
  maxAttrs: 10,
  maxListItems: 10,
  maxStringLength: 1024,
};

function elided(n: number, one: string, many: string): string {
  return `${L}${n} ${n === 1 ? one : many} elided${R}`;
}

/**
 * CppNix's `print.cc` rendering (used by `trace`, `--show-trace` and error messages):
 * unforced thunks are `«thunk»`, functions `«lambda …»`/`«primop …»`, long values elided.
 */
export function showValue(s: Slot, opts: ShowOptions = {}): string {
  const maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
  const maxAttrs = opts.maxAttrs ?? Number.POSITIVE_INFINITY;
  const maxItems = opts.maxListItems ?? Number.POSITIVE_INFINITY;
  const maxString = opts.maxStringLength ?? Number.POSITIVE_INFINITY;
  let attrsShown = 0;
  let itemsShown = 0;
  const str = (x: string): string =>
    x.length > maxString
      ? `${printLiteralString(x.slice(0, maxString)).slice(0, -1)}" ${elided(x.length - maxString, "byte", "bytes")}`
      : printLiteralString(x);
  const seen = new Set<object>();
  const go = (slot: Slot, depth: number): string => {
    let v: Value;
    if (slot instanceof Thunk) {
      if (slot.isBlackhole) return INF_REC;
      if (!slot.isForced) {
        if (!opts.force) return `${L}thunk${R}`;
        const depth = getCallDepth();
        try {
          v = slot.force();
        } catch (e) {
          setCallDepth(depth);
          if (e instanceof NixError) return `${L}error: ${e.message}${R}`;
          throw e;
        }
      } else v = slot.value;
    } else v = slot;
    if (typeof v === "number" || typeof v === "bigint") return String(v);
    if (typeof v === "string") return str(v);
    if (v === true) return "true";
    if (v === false) return "false";
    if (v === null) return "null";
    if (v instanceof NixString) return str(v.s);
    if (v instanceof NixFloat) return formatFloat(v.value);
    if (v instanceof NixPath) return v.path;
    if (v instanceof NixAttrs) {
      if (v.size === 0) return "{ }";
      if (seen.has(v)) return REPEATED;
      if (depth >= maxDepth) return "{ ... }";
      seen.add(v);
      let out = "{ ";
      for (let i = 0; i < v.keys.length; i++) {
        if (attrsShown >= maxAttrs) {
          out += `${elided(v.keys.length - i, "attribute", "attributes")} `;
          break;
        }
        attrsShown++;
        out += `${printIdentifier(v.keys[i])} = ${go(v.values[i], depth + 1)}; `;
      }
      return `${out}}`;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return "[ ]";
      if (seen.has(v)) return REPEATED;
      if (depth >= maxDepth) return "[ ... ]";
      seen.add(v);
      let out = "[ ";
      for (let i = 0; i < v.length; i++) {
        if (itemsShown >= maxItems) {
          out += `${elided(v.length - i, "item", "items")} `;
          break;
        }
        itemsShown++;
        out += `${go(v[i], depth + 1)} `;
      }
      return `${out}]`;
    }
    if (v instanceof Lambda) {
      const p = v.info.source.position(v.info.start);
      const where = `${v.info.source.nameBytes}:${p.line}:${p.column}`;
      return v.info.name ? `${L}lambda ${v.info.name} @ ${where}${R}` : `${L}lambda @ ${where}${R}`;
    }
    if (v instanceof PrimOp) return `${L}primop ${v.name}${R}`;
    if (v instanceof PrimOpApp) return `${L}partially applied primop ${v.op.name}${R}`;
    return `${L}unknown${R}`;
  };
  return go(s, 0);
}

/**
 * `nix-instantiate --eval` semantics on top of the evaluator: auto-calling functions with
 * `--arg`/`--argstr`, `-A` attribute paths, and the output modes (plain, `--strict`, `--json`,
 * `--raw`, `--xml`). Host-neutral: the CLI supplies the IO and writes the result.
 */
import { toJSON } from "./builtins/json.ts";
import { createGlobals } from "./builtins/registry.ts";
import { toXML } from "./builtins/xml.ts";
import { coerceToString } from "./coerce.ts";
import { NixError, throwEval } from "./eval-error.ts";
import { Evaluator, type EvaluatorOptions } from "./evaluate.ts";
import { IOFailure } from "./io.ts";
import { deepForce, printValue } from "./print-value.ts";
import { callValue, forceAttrs } from "./runtime.ts";
import { Source } from "./source.ts";
import { force, Lambda, NixAttrs, type Slot, Thunk, type Value } from "./values.ts";

export interface AutoArg {
  name: string;
  /** `expr`: a Nix expression (`--arg`); `str`: a string (`--argstr`). */
  kind: "expr" | "str";
  value: string;
}

export interface InstantiateOptions extends EvaluatorOptions {
  /** A file to evaluate, or null with `expr`. */
  file?: string | null;
  /** Raw bytes of standard input when the file is `-`. */
  stdin?: Uint8Array;
  expr?: string | null;
  cwd: string;
  strict?: boolean;
  json?: boolean;
  raw?: boolean;
  xml?: boolean;
  /** With `xml`: print source locations (false: `--no-location`). */
  location?: boolean;
  attrPaths?: string[];
  args?: AutoArg[];
}

/** Evaluates as `nix-instantiate --eval` does; returns stdout as a byte string. */
export function instantiateEval(opts: InstantiateOptions): string {
  const ev = new Evaluator(opts);
  const root = evalRoot(ev, opts);
  const autoArgs = buildAutoArgs(ev, opts.args ?? [], opts.cwd);
  const paths = opts.attrPaths && opts.attrPaths.length > 0 ? opts.attrPaths : [""];
  let out = "";
  for (const path of paths) {
    let v = findAlongAttrPath(root, path, autoArgs);
    v = autoCall(v, autoArgs);
    if (opts.strict) deepForce(v);
    if (opts.json) out += `${toJSON(v, new Set(), opts.strict === true)}\n`;
    else if (opts.xml)
      out += toXML(v, new Set(), {
        strict: opts.strict === true,
        location: opts.location !== false,
      });
    else if (opts.raw) {
      // As CppNix: only what coerces to a string without `toString`'s extra cases.
      try {
        out += coerceToString(v, null, false, true);
      } catch (e) {
        if (e instanceof NixError) e.addTrace("while generating the nix-instantiate output", null);
        throw e;
      }
    } else out += `${printValue(v)}\n`;
  }
  return out;
}

/** What nix-instantiate evaluates: `-E EXPR`, `-` (standard input) or a file (default.nix). */
export interface RootSource {
  file?: string | null;
  stdin?: Uint8Array;
  expr?: string | null;
  cwd: string;
}

/** Evaluates the expression nix-instantiate starts from (shared by `--eval` and instantiation). */
export function evalRoot(ev: Evaluator, opts: RootSource & Pick<EvaluatorOptions, "io">): Value {
  if (opts.expr !== undefined && opts.expr !== null) {
    return ev.evalSource(Source.fromText(opts.expr), opts.cwd);
  }
  if (opts.file === "-") {
    return ev.evalSource(new Source(opts.stdin ?? new Uint8Array(), "«stdin»"), opts.cwd);
  }
  const f = opts.file ?? "default.nix";
  let abs = f.startsWith("/") ? f : `${opts.cwd}/${f}`;
  try {
    abs = opts.io.realPath(abs);
  } catch (e) {
    if (!(e instanceof IOFailure)) throw e;
  }
  return ev.evalFile(abs);
}

/** The `--arg`/`--argstr` set that functions are auto-called with. */
export function buildAutoArgs(ev: Evaluator, args: AutoArg[], cwd: string): NixAttrs {
  const entries: [string, Slot][] = [];
  for (const a of args) {
    if (a.kind === "str") entries.push([a.name, a.value]);
    else entries.push([a.name, new Thunk(() => ev.evalSource(Source.fromText(a.value), cwd), [])]);
  }
  return NixAttrs.fromEntries(entries);
}

/** CppNix `autoCallFunction`. */
export function autoCall(v0: Value, args: NixAttrs): Value {
  let v = force(v0);
  if (v instanceof NixAttrs) {
    const f = v.get("__functor");
    if (f !== undefined) return autoCall(callValue(callValue(force(f), v), v), args);
    return v;
  }
  if (!(v instanceof Lambda) || v.info.formals === null) return v;
  const fm = v.info.formals;
  let arg: NixAttrs;
  if (fm.ellipsis) arg = args;
  else {
    const entries: [string, Slot][] = [];
    fm.names.forEach((n, i) => {
      const a = args.get(n);
      if (a !== undefined) entries.push([n, a]);
      else if (!fm.hasDefault[i])
        throwEval(
          `cannot evaluate a function that has an argument without a value ('${n}')\n` +
            "Nix attempted to evaluate a function as a top level expression; in\n" +
            `this case it must have its arguments supplied either by default\n` +
            "values, or passed explicitly with '--arg' or '--argstr'. See\n" +
            "https://nixos.org/manual/nix/stable/language/constructs.html#functions.",
        );
    });
    arg = NixAttrs.fromEntries(entries);
  }
  v = callValue(v, arg);
  return v;
}

function splitAttrPath(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === "." && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (quoted) throwEval(`missing closing quote in selection path '${s}'`);
  out.push(cur);
  return out;
}

/** CppNix `findAlongAttrPath`. */
export function findAlongAttrPath(root: Value, path: string, args: NixAttrs): Value {
  if (path === "") return root;
  let v = root;
  for (const name of splitAttrPath(path)) {
    if (name === "") throwEval(`empty attribute name in selection path '${path}'`);
    v = force(autoCall(v, args));
    if (/^[0-9]+$/.test(name)) {
      if (!Array.isArray(v))
        throwEval(
          `the expression selected by the selection path '${path}' should be a list but is a ${typeName(v)}`,
        );
      const i = Number(name);
      if (i >= v.length) throwEval(`list index ${i} in selection path '${path}' is out of range`);
      v = force(v[i]);
    } else {
      if (!(v instanceof NixAttrs))
        throwEval(
          `the expression selected by the selection path '${path}' should be a set but is a ${typeName(v)}`,
        );
      const a = forceAttrs(v).get(name);
      if (a === undefined) throwEval(`attribute '${name}' in selection path '${path}' not found`);
      v = force(a);
    }
  }
  return v;
}

function typeName(v: Value): string {
  if (Array.isArray(v)) return "list";
  if (v instanceof NixAttrs) return "set";
  return typeof v;
}

export { createGlobals, NixError };

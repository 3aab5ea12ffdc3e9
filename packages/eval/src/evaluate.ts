/**
 * The evaluator's entry point: parse, compile and run Nix code with a given IO, search path and
 * base environment; import files (cached per resolved path) and scopedImport.
 */
import "./builtins/all.ts";
import { createGlobals } from "./builtins/registry.ts";
import { compileExpr, setCallDepth, setMaxCallDepth } from "./compile.ts";
import { NixError, throwEval } from "./eval-error.ts";
import { parse } from "./index-parse.ts";
import { type EvalIO, IOFailure } from "./io.ts";
import { dirOf } from "./paths.ts";
import { type EvalState, type SearchPathEntry, setState, state } from "./runtime.ts";
import { Source } from "./source.ts";
import { force, type NixAttrs, type Slot, Thunk, type Value } from "./values.ts";

export interface EvaluatorOptions {
  io: EvalIO;
  storeDir?: string;
  searchPath?: SearchPathEntry[];
  currentSystem?: string;
  /** Home directory for `~/…` paths. */
  home?: string;
  /** Extra base-environment entries (e.g. a test-only `derivation`). */
  extraBuiltins?: Map<string, Slot>;
  pure?: boolean;
  /** `builtins.traceVerbose` prints (CppNix `--trace-verbose`). */
  traceVerbose?: boolean;
  /** `builtins.warn` fails after warning (CppNix `--abort-on-warn`). */
  abortOnWarn?: boolean;
  /** Nested lambda calls allowed (CppNix `max-call-depth`); default DEFAULT_MAX_CALL_DEPTH. */
  maxCallDepth?: number;
  /** Experimental features to enable (CppNix names, e.g. "parse-toml-timestamps"). */
  experimentalFeatures?: readonly string[];
}

/**
 * The default `max-call-depth`. CppNix's is 10000, which fails deep but finite recursion that
 * Tvix evaluates (tvix_tests and nix_tests' eval-okay-tail-call-1 need 100001 nested calls); the
 * evaluation thread's stack holds a few hundred thousand simple calls, so runaway recursion
 * usually ends here, with CppNix's message, and otherwise as a clean "stack overflow".
 */
export const DEFAULT_MAX_CALL_DEPTH = 200000;

export class Evaluator {
  readonly state: EvalState;
  readonly globals: Map<string, Slot>;
  readonly home: string | undefined;
  readonly maxCallDepth: number;
  private readonly globalNames: (name: string) => boolean;

  constructor(options: EvaluatorOptions) {
    this.home = options.home;
    this.state = {
      io: options.io,
      storeDir: options.storeDir ?? "/nix/store",
      searchPath: options.searchPath ?? [],
      importCache: new Map(),
      storeCache: new Map(),
      evalFile: (path, scope) => this.evalFile(path, scope),
      evalText: (source) => this.evalSource(source, "/"),
      currentSystem: options.currentSystem ?? "x86_64-linux",
      pure: options.pure ?? false,
      traceVerbose: options.traceVerbose ?? false,
      abortOnWarn: options.abortOnWarn ?? false,
      features: new Set(options.experimentalFeatures ?? []),
    };
    this.maxCallDepth = options.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH;
    setState(this.state);
    setMaxCallDepth(this.maxCallDepth);
    setCallDepth(0);
    this.globals = createGlobals(options.extraBuiltins);
    const g = this.globals;
    this.globalNames = (n) => g.has(n);
  }

  /** Makes this evaluator's state current (when several exist in one process). */
  activate(): void {
    setState(this.state);
    setMaxCallDepth(this.maxCallDepth);
  }

  /** Parses and evaluates source text (to weak head normal form). */
  evalSource(source: Source, basePath: string, scope: NixAttrs | null = null): Value {
    this.activate();
    const topNames = scope ? (scope.keys as string[]) : undefined;
    const isGlobal = scope ? (n: string) => this.globalNames(n) || scope.has(n) : this.globalNames;
    const r = parse(source, { basePath, home: this.home, globals: isGlobal });
    if (r.errors.length > 0 || r.expr === null) {
      const e = r.errors[0];
      throw new NixError(e.message, { source, offset: e.start });
    }
    const code = compileExpr(r.expr, { source, globals: this.globals, topNames });
    const env: Slot[] = scope ? [null, ...scope.values] : [];
    return code(env);
  }

  /** `import path` (cached) or `scopedImport scope path` (not cached). */
  evalFile(path: string, scope: NixAttrs | null = null): Value {
    const io = this.state.io;
    let file = path;
    try {
      if (
        io.readFileType(file) === "directory" ||
        (io.readFileType(file) === "symlink" && isDir(io, file))
      )
        file = `${file === "/" ? "" : file}/default.nix`;
    } catch (e) {
      if (e instanceof IOFailure) throwEval(`getting status of '${path}': ${e.message}`);
      throw e;
    }
    let key = file;
    try {
      key = io.realPath(file);
    } catch {}
    if (scope === null) {
      const hit = this.state.importCache.get(key);
      if (hit !== undefined) return force(hit);
    }
    const t = new Thunk(() => {
      let bytes: Uint8Array;
      try {
        bytes = io.readFile(file);
      } catch (e) {
        if (e instanceof IOFailure) return throwEval(`opening file '${file}': ${e.message}`);
        throw e;
      }
      return this.evalSource(new Source(bytes, file), dirOf(file), scope);
    }, []);
    if (scope === null) this.state.importCache.set(key, t);
    return t.force();
  }
}

function isDir(io: EvalIO, p: string): boolean {
  try {
    io.readDir(p);
    return true;
  } catch {
    return false;
  }
}

export { state };

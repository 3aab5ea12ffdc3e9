/**
 * A small model of Nix 2.8's `builtins.derivation` / `builtins.toFile` for tests: values with
 * string context, `derivationStrict`'s attribute handling (env, args, outputs, fixed-output
 * attributes, structured attrs, `__contentAddressed`/`__impure`), inputs from context (with the
 * `=drv` closure rule of Nix 2.8) and the final paths from nix-compat. It also renders the same
 * values as Nix source, so a test can compare with `nix-instantiate`.
 *
 * Strings are byte strings (code units 0..255), like everywhere in tvix-ts.
 */
import {
  ContentAddress,
  type Derivation,
  downstreamPlaceholder,
  encodeStructuredAttrs,
  finalizeDerivation,
  hashPlaceholder,
  type InputHashModulo,
  type JsonValue,
  latin1Encode,
  makeSourcePath,
  makeTextPath,
  newDerivation,
  parseNixHash,
} from "../../src/index.ts";

/** A built derivation (what the `derivation` wrapper returns, reduced to what tests need). */
export interface DrvResult {
  readonly kind: "drv";
  name: string;
  drvPath: string;
  /** Outputs in the user's order (first = default). */
  outputs: string[];
  /** Output name → path, or a downstream placeholder for outputs without a path. */
  outPaths: Map<string, string>;
  drv: Derivation;
  aterm: Uint8Array;
  hashModulo: InputHashModulo;
}

export interface FileResult {
  readonly kind: "file";
  path: string;
}

/** A piece of a string: literal bytes or an interpolation. */
export type Piece =
  | string
  | { drv: DrvResult; output?: string }
  | { drvPathOf: DrvResult }
  | { file: FileResult }
  | { src: { name: string; narSha256: Uint8Array; nixPath: string } }
  | { placeholder: string };

export type Val =
  | { str: Piece[] }
  | { int: number }
  | { bool: boolean }
  | { null: true }
  | { list: Val[] }
  | { attrs: [string, Val][] };

export const S = (...pieces: Piece[]): Val => ({ str: pieces });

export class NixWorld {
  readonly drvs = new Map<string, DrvResult>();
  /** Store path → references (for `=drv` closures). */
  readonly refs = new Map<string, string[]>();

  lookup = (p: string): InputHashModulo | undefined => this.drvs.get(p)?.hashModulo;

  /** Value of a string piece plus its context entries. */
  private piece(p: Piece, ctx: Set<string>): string {
    if (typeof p === "string") return p;
    if ("drv" in p) {
      const o = p.output ?? p.drv.outputs[0]!;
      ctx.add(`!${o}!${p.drv.drvPath}`);
      return p.drv.outPaths.get(o)!;
    }
    if ("drvPathOf" in p) {
      ctx.add(`=${p.drvPathOf.drvPath}`);
      return p.drvPathOf.drvPath;
    }
    if ("file" in p) {
      ctx.add(p.file.path);
      return p.file.path;
    }
    if ("src" in p) {
      const path = makeSourcePath(p.src.name, p.src.narSha256).toAbsolutePath();
      this.refs.set(path, []);
      ctx.add(path);
      return path;
    }
    return hashPlaceholder(p.placeholder);
  }

  /** `coerceToString(v, coerceMore = true)`. */
  coerce(v: Val, ctx: Set<string>): string {
    if ("str" in v) return v.str.map((p) => this.piece(p, ctx)).join("");
    if ("int" in v) return String(v.int);
    if ("bool" in v) return v.bool ? "1" : "";
    if ("null" in v) return "";
    if ("list" in v) return v.list.map((x) => this.coerce(x, ctx)).join(" ");
    throw new Error("cannot coerce a set to a string");
  }

  /** `printValueAsJSON`. */
  json(v: Val, ctx: Set<string>): JsonValue {
    if ("str" in v) return this.coerce(v, ctx);
    if ("int" in v) return v.int;
    if ("bool" in v) return v.bool;
    if ("null" in v) return null;
    if ("list" in v) return v.list.map((x) => this.json(x, ctx));
    const m = new Map<string, JsonValue>();
    for (const [k, x] of v.attrs) m.set(k, this.json(x, ctx));
    return m;
  }

  toFile(name: string, contents: Val): FileResult {
    const ctx = new Set<string>();
    const text = this.coerce(contents, ctx);
    for (const c of ctx) {
      if (c.startsWith("!") || c.startsWith("="))
        throw new Error("toFile cannot refer to derivations");
    }
    const refs = [...ctx].sort();
    const path = makeTextPath(name, latin1Encode(text), refs).toAbsolutePath();
    this.refs.set(path, refs);
    return { kind: "file", path };
  }

  private closure(path: string, into: Set<string>): void {
    if (into.has(path)) return;
    into.add(path);
    for (const r of this.refs.get(path) ?? []) this.closure(r, into);
  }

  derivation(attrList: [string, Val][]): DrvResult {
    const attrs = new Map(attrList);
    const str = (k: string): string | undefined => {
      const v = attrs.get(k);
      return v === undefined ? undefined : this.coerce(v, new Set());
    };
    const name = str("name")!;
    const structured =
      (attrs.get("__structuredAttrs") as { bool?: boolean } | undefined)?.bool === true;
    let outputs = ["out"];
    const outV = attrs.get("outputs");
    if (outV !== undefined) {
      outputs =
        "list" in outV
          ? outV.list.map((x) => this.coerce(x, new Set()))
          : this.coerce(outV, new Set()).split(" ");
    }
    let contentAddressed = false;
    let impure = false;
    const drv = newDerivation();
    const ctx = new Set<string>();
    const json = new Map<string, JsonValue>();
    for (const key of [...attrs.keys()].sort()) {
      const v = attrs.get(key)!;
      if (key === "__ignoreNulls") continue;
      if (key === "__contentAddressed") {
        contentAddressed = (v as { bool: boolean }).bool;
        continue;
      }
      if (key === "__impure") {
        impure = (v as { bool: boolean }).bool;
        continue;
      }
      if (key === "args") {
        for (const a of (v as { list: Val[] }).list) drv.args.push(this.coerce(a, ctx));
        continue;
      }
      if (structured) {
        if (key === "__structuredAttrs") continue;
        json.set(key, this.json(v, ctx));
        if (key === "builder") drv.builder = this.coerce(v, new Set());
        if (key === "system") drv.system = this.coerce(v, new Set());
      } else {
        const s = this.coerce(v, ctx);
        drv.env.set(key, s);
        if (key === "builder") drv.builder = s;
        if (key === "system") drv.system = s;
      }
    }
    const outputHash = str("outputHash");
    const algo = str("outputHashAlgo");
    const mode = str("outputHashMode");
    const method = mode === "recursive" ? "nar" : "flat";
    if (outputHash !== undefined) {
      if (outputs.length !== 1 || outputs[0] !== "out") throw new Error("FOD with outputs");
      const h = parseNixHash(outputHash, algo === undefined || algo === "" ? undefined : algo);
      drv.outputs.set("out", { kind: "fixed", ca: new ContentAddress(method, h) });
    } else if (contentAddressed || impure) {
      const m = mode === "flat" ? "flat" : "nar";
      const a = (algo ?? "sha256") as "sha256";
      for (const o of outputs)
        drv.outputs.set(o, { kind: impure ? "impure" : "floating", method: m, algo: a });
    } else {
      for (const o of outputs) drv.outputs.set(o, { kind: "deferred" });
    }
    if (structured) drv.env.set("__json", encodeStructuredAttrs(json));

    // Inputs from the context, in the order Nix 2.8 processes its sorted context set.
    for (const c of [...ctx].sort()) {
      if (c.startsWith("!")) {
        const i = c.indexOf("!", 1);
        const out = c.slice(1, i);
        const p = c.slice(i + 1);
        let set = drv.inputDrvs.get(p);
        if (set === undefined) {
          set = new Set();
          drv.inputDrvs.set(p, set);
        }
        set.add(out);
      } else if (c.startsWith("=")) {
        const closure = new Set<string>();
        this.closure(c.slice(1), closure);
        for (const p of closure) {
          drv.inputSrcs.add(p);
          const d = this.drvs.get(p);
          if (d !== undefined) drv.inputDrvs.set(p, new Set(d.drv.outputs.keys()));
        }
      } else {
        drv.inputSrcs.add(c);
      }
    }

    const fin = finalizeDerivation(drv, name, this.lookup);
    const outPaths = new Map<string, string>();
    for (const o of outputs) {
      outPaths.set(o, fin.outputPaths.get(o) ?? downstreamPlaceholder(fin.drvPath, o));
    }
    const result: DrvResult = {
      kind: "drv",
      name,
      drvPath: fin.drvPath,
      outputs,
      outPaths,
      drv,
      aterm: fin.aterm,
      hashModulo: fin.hashModulo,
    };
    this.drvs.set(fin.drvPath, result);
    this.refs.set(fin.drvPath, [...new Set([...drv.inputSrcs, ...drv.inputDrvs.keys()])].sort());
    return result;
  }
}

/** A byte string as a Nix string literal (bytes are written raw; `"\$`, LF, CR, TAB escaped). */
export function nixStringLiteral(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c === '"' || c === "\\" || c === "$") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else out += c;
  }
  return `${out}"`;
}

/**
 * Renders values as Nix source (a byte string). `nameOf` gives the Nix variable bound to a
 * result.
 */
export class NixRenderer {
  readonly nameOf: (r: DrvResult | FileResult) => string;
  constructor(nameOf: (r: DrvResult | FileResult) => string) {
    this.nameOf = nameOf;
  }

  piece(p: Piece): string {
    if (typeof p === "string") return nixStringLiteral(p).slice(1, -1);
    if ("drv" in p)
      return `\${${this.nameOf(p.drv)}${p.output === undefined ? "" : `.${nixStringLiteral(p.output)}`}}`;
    if ("drvPathOf" in p) return `\${${this.nameOf(p.drvPathOf)}.drvPath}`;
    if ("file" in p) return `\${${this.nameOf(p.file)}}`;
    if ("src" in p) return `\${${p.src.nixPath}}`;
    return `\${builtins.placeholder ${nixStringLiteral(p.placeholder)}}`;
  }

  val(v: Val): string {
    if ("str" in v) return `"${v.str.map((p) => this.piece(p)).join("")}"`;
    if ("int" in v) return `(${v.int})`;
    if ("bool" in v) return v.bool ? "true" : "false";
    if ("null" in v) return "null";
    if ("list" in v) return `[ ${v.list.map((x) => this.val(x)).join(" ")} ]`;
    return `{ ${v.attrs.map(([k, x]) => `${nixStringLiteral(k)} = ${this.val(x)};`).join(" ")} }`;
  }

  derivation(attrs: [string, Val][]): string {
    return `derivation ${this.val({ attrs })}`;
  }

  toFile(name: string, contents: Val): string {
    return `builtins.toFile ${nixStringLiteral(name)} ${this.val(contents)}`;
  }
}

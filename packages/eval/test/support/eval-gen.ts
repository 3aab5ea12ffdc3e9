/**
 * Random well-typed Nix programs for the differential test against `nix-instantiate --eval
 * --strict`: ints, floats, strings, lists, sets, lambdas, `let`/`rec`/`with`/`inherit`, `or`,
 * `?`, `//`, `++`, comparisons, string interpolation and ~40 builtins. Programs avoid what Nix
 * 2.8 (the oracle) does differently from current CppNix (integer overflow wraps in 2.8, so ints
 * stay small) and uncatchable errors (a batch shares one process), but may `throw` (caught by
 * the `tryEval` each program is wrapped in). Deterministic per seed.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

type Ty = "int" | "bool" | "str" | "list" | "attrs" | "float";

export class ProgramGen {
  private readonly r: Rng;
  private vars: { name: string; ty: Ty }[] = [];
  private n = 0;
  constructor(seed: number) {
    this.r = new Rng(seed);
  }

  program(): string {
    this.vars = [];
    return this.gen(this.r.pick(["int", "bool", "str", "list", "attrs", "float"] as Ty[]), 4);
  }

  private fresh(): string {
    return `v${this.n++}`;
  }

  private varOf(ty: Ty): string | null {
    const c = this.vars.filter((v) => v.ty === ty);
    return c.length > 0 ? this.r.pick(c).name : null;
  }

  private withVar<T>(name: string, ty: Ty, f: () => T): T {
    this.vars.push({ name, ty });
    try {
      return f();
    } finally {
      this.vars.pop();
    }
  }

  gen(ty: Ty, d: number): string {
    const r = this.r;
    if (d <= 0 || r.int(5) === 0) return this.leaf(ty);
    const k = r.int(4);
    if (k === 0) {
      // let / lambda application / if: generic over types
      const t2 = r.pick(["int", "str", "list", "attrs"] as Ty[]);
      const name = this.fresh();
      const val = this.gen(t2, d - 1);
      const body = this.withVar(name, t2, () => this.gen(ty, d - 1));
      switch (r.int(4)) {
        case 0:
          return `(let ${name} = ${val}; in ${body})`;
        case 1:
          return `((${name}: ${body}) ${val})`;
        case 2:
          return `(if ${this.gen("bool", d - 1)} then ${this.gen(ty, d - 1)} else ${this.gen(ty, d - 1)})`;
        default:
          return `(builtins.head [ ${this.gen(ty, d - 1)} ])`;
      }
    }
    if (k === 1 && r.int(8) === 0)
      return `(if ${this.gen("bool", d - 1)} then throw "boom" else ${this.gen(ty, d - 1)})`;
    return this.op(ty, d - 1);
  }

  private leaf(ty: Ty): string {
    const r = this.r;
    const v = r.int(3) === 0 ? this.varOf(ty) : null;
    if (v) return v;
    switch (ty) {
      case "int":
        return `(${r.int(41) - 20})`;
      case "float":
        return r.pick(["1.5", "0.1", "2.0", "1.0e3", "123456.7", "0.001", "1234567.0", "3.14159"]);
      case "bool":
        return r.pick(["true", "false"]);
      case "str":
        return JSON.stringify(
          r.pick(["", "a", "foo", "x y", "a-b", "1.2", "q\nr", "t\tu", "$x", "dollar${", "ü"]),
        ).replace(/\$\{/g, "\\${");
      case "list":
        return `[ ${Array.from({ length: r.int(4) }, () => String(r.int(10))).join(" ")} ]`;
      case "attrs":
        return `{ ${Array.from({ length: r.int(3) }, (_, i) => `${r.pick(["a", "b", "c", "if-x", "d"])}${i} = ${r.int(9)};`).join(" ")} }`;
    }
  }

  private op(ty: Ty, d: number): string {
    const r = this.r;
    const g = (t: Ty) => this.gen(t, d);
    switch (ty) {
      case "int":
        return r.pick([
          () => `(${g("int")} + ${g("int")})`,
          () => `(${g("int")} - ${g("int")})`,
          () => `(${g("int")} * (${String(r.int(7) - 3)}))`,
          () => `(${g("int")} / ${r.pick(["1", "2", "3", "(-4)", "7"])})`,
          () => `(builtins.length ${g("list")})`,
          () => `(builtins.stringLength ${g("str")})`,
          () => `(builtins.foldl' (a: b: a + b) 0 ${g("list")})`,
          () => `(builtins.bitAnd ${g("int")} ${g("int")})`,
          () => `(builtins.bitXor ${g("int")} 5)`,
          () => `(${g("attrs")}.a0 or ${g("int")})`,
          () => `(builtins.elemAt ([ ${g("int")} ] ++ ${g("list")}) 0)`,
          () => `(-(${g("int")}))`,
          () => `(builtins.floor ${g("float")})`,
          () => `(with ${g("attrs")}; ${g("int")})`,
        ])();
      case "float":
        return r.pick([
          () => `(${g("float")} + ${g("int")})`,
          () => `(${g("float")} * ${g("float")})`,
          () => `(${g("int")} / ${r.pick(["2.0", "3.0", "0.5"])})`,
          () => `(${g("float")} - ${g("float")})`,
        ])();
      case "bool":
        return r.pick([
          () => `(${g("int")} < ${g("int")})`,
          () => `(${g("int")} == ${g("int")})`,
          () => `(${g("str")} < ${g("str")})`,
          () => `(${g("list")} == ${g("list")})`,
          () => `(${g("list")} < ${g("list")})`,
          () => `(${g("attrs")} == ${g("attrs")})`,
          () => `(!${g("bool")})`,
          () => `(${g("bool")} && ${g("bool")})`,
          () => `(${g("bool")} || ${g("bool")})`,
          () => `(${g("bool")} -> ${g("bool")})`,
          () => `(builtins.elem ${g("int")} ${g("list")})`,
          () => `(${g("attrs")} ? ${r.pick(["a0", "b1", "c0", "zz"])})`,
          () => `(builtins.all (x: x > 2) ${g("list")})`,
          () => `(builtins.any (x: x == 3) ${g("list")})`,
          () => `(builtins.isString ${g(r.pick(["int", "str"] as Ty[]))})`,
          () => `(${g("float")} <= ${g("int")})`,
        ])();
      case "str":
        return r.pick([
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Nix interpolation in generated code
          () => `"${r.pick(["p", "", "\\n", "-"])}\${${g("str")}}${r.pick(["s", "", "\\${x}"])}"`,
          () => `(${g("str")} + ${g("str")})`,
          () => `(toString ${g(r.pick(["int", "list", "bool", "float"] as Ty[]))})`,
          () => `(builtins.substring ${r.int(4)} ${r.int(5) - 1} ${g("str")})`,
          () => `(builtins.concatStringsSep "," (map toString ${g("list")}))`,
          () => `(builtins.replaceStrings [ "a" "o" ] [ "A" "" ] ${g("str")})`,
          () => `(builtins.toJSON ${g(r.pick(["attrs", "list", "str", "int"] as Ty[]))})`,
          () =>
            `(builtins.typeOf ${g(r.pick(["attrs", "list", "str", "int", "float", "bool"] as Ty[]))})`,
          () =>
            `(builtins.hashString "${r.pick(["md5", "sha1", "sha256", "sha512"])}" ${g("str")})`,
          () => `(builtins.concatStringsSep "|" (builtins.attrNames ${g("attrs")}))`,
          () =>
            `(let m = builtins.match "(a*)(.*)" ${g("str")}; in if m == null then "none" else builtins.elemAt m 1)`,
          () => `(builtins.baseNameOf ${g("str")})`,
          () => `(builtins.dirOf ${g("str")})`,
          () => `''\n  ${r.pick(["x", "  y", "$z"])}\${${g("str")}}\n''`,
        ])();
      case "list":
        return r.pick([
          () => `[ ${g("int")} ${g("int")} ]`,
          () => `(${g("list")} ++ ${g("list")})`,
          () => `(map (x: x * 2) ${g("list")})`,
          () => `(builtins.filter (x: x > 3) ${g("list")})`,
          () => `(builtins.genList (x: x + ${g("int")}) ${r.int(5)})`,
          () => `(builtins.sort builtins.lessThan ${g("list")})`,
          () => `(builtins.sort (a: b: a > b) ${g("list")})`,
          () => `(builtins.attrValues ${g("attrs")})`,
          () => `(builtins.tail ([ 1 ] ++ ${g("list")}))`,
          () => `(builtins.concatLists [ ${g("list")} ${g("list")} ])`,
          () => `(builtins.catAttrs "a0" [ ${g("attrs")} ${g("attrs")} ])`,
          () => `(builtins.concatMap (x: [ x x ]) ${g("list")})`,
          () =>
            `(builtins.map builtins.stringLength (builtins.split "a" ${g("str")}))`.replace(
              "builtins.map builtins.stringLength",
              "builtins.map (x: if builtins.isList x then 0 else builtins.stringLength x)",
            ),
        ])();
      case "attrs":
        return r.pick([
          () => `{ a0 = ${g("int")}; s = ${g("str")}; l = ${g("list")}; }`,
          () => `(${g("attrs")} // ${g("attrs")})`,
          () => `(rec { a0 = ${g("int")}; b1 = a0 + 1; })`,
          () => `(builtins.mapAttrs (n: v: v + 1) ${g("attrs")})`,
          () => `(builtins.removeAttrs ${g("attrs")} [ "a0" "b1" ])`,
          () => `(builtins.intersectAttrs ${g("attrs")} ${g("attrs")})`,
          () =>
            `(builtins.listToAttrs (map (x: { name = "k\${toString x}"; value = x; }) ${g("list")}))`,
          () => `(let a0 = ${g("int")}; in { inherit a0; x = { y.z = a0; }; })`,
          () => `(builtins.tryEval ${g("int")})`,
          () => `(builtins.partition (x: x > 4) ${g("list")})`,
          () => `(builtins.groupBy (x: if x > 4 then "big" else "small") ${g("list")})`,
          () => `(({ a0 ? 7, ... }@args: args // { seen = a0; }) ${g("attrs")})`,
          () => `(builtins.fromJSON (builtins.toJSON ${g("attrs")}))`,
          () => `(builtins.zipAttrsWith (n: vs: vs) [ ${g("attrs")} ${g("attrs")} ])`,
        ])();
    }
  }
}

/** Each program wrapped so that every result, or a caught `throw`, prints deterministically. */
export function wrap(p: string): string {
  return `(let r = builtins.tryEval (let v = ${p}; in builtins.deepSeq v v); in if r.success then r.value else "<caught>")`;
}

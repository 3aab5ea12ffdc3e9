/**
 * Seeded random Nix programs made of `builtins.toFile` and `derivation` calls, for the
 * differential test against nix-instantiate. Each item is built twice: as Nix source, and with
 * `NixWorld` (our model of derivationStrict + nix-compat), so the results can be compared.
 */
import {
  base64Encode,
  digestSize,
  HASH_ALGOS,
  type HashAlgo,
  NixHash,
  nixbase32,
} from "../../src/index.ts";
import {
  type DrvResult,
  type FileResult,
  NixRenderer,
  NixWorld,
  nixStringLiteral,
  type Piece,
  type Val,
} from "./derivation-strict.ts";

/** mulberry32 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
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
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-_?=.";
const UTF8_SAMPLES = ["é", "€", "ß", "日本", "😀", "ø"].map((s) =>
  String.fromCharCode(...new TextEncoder().encode(s)),
);
const OUTPUT_POOL = [
  "out",
  "dev",
  "lib",
  "bin",
  "man",
  "doc",
  "debug",
  "x1",
  "a-b",
  "c_d",
  "e.f",
  "g+h",
  "i=j",
  "k?l",
];
const RESERVED = new Set([
  "name",
  "builder",
  "system",
  "args",
  "outputs",
  "outputHash",
  "outputHashAlgo",
  "outputHashMode",
  "__structuredAttrs",
  "__ignoreNulls",
  "__contentAddressed",
  "__impure",
  "__json",
  "drvPath",
  "outPath",
  "type",
]);

/** A random byte string (no NUL: Nix strings cannot hold it). */
export function randomBytes(rng: Rng, maxLen: number): string {
  const n = rng.int(maxLen + 1);
  let s = "";
  while (s.length < n) {
    const r = rng.next();
    if (r < 0.6) s += rng.pick([..."abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789/-_.:=+,;"]);
    else if (r < 0.75)
      s += rng.pick(['"', "\\", "$", "${", "\n", "\r", "\t", "{", "}", "''", "\\n"]);
    else if (r < 0.8) s += String.fromCharCode(rng.pick([1, 2, 7, 8, 11, 12, 27, 31, 127]));
    else if (r < 0.9) s += String.fromCharCode(rng.range(0x80, 0xff));
    else s += rng.pick(UTF8_SAMPLES);
  }
  return s;
}

function randomName(rng: Rng, maxLen = 14): string {
  for (;;) {
    const n = rng.range(1, maxLen);
    let s = "";
    for (let i = 0; i < n; i++) s += rng.pick([...NAME_CHARS]);
    if (s.endsWith(".drv") || s === "." || s === ".." || /^\.\.?-/.test(s)) continue;
    return s;
  }
}

function randomKey(rng: Rng, avoid: Set<string>): string {
  for (;;) {
    let k: string;
    if (rng.chance(0.8)) {
      k = rng.pick([..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"]);
      const n = rng.int(10);
      for (let i = 0; i < n; i++) k += rng.pick([..."abcdefghijklmnopqrstuvwxyz0123456789_-'"]);
    } else {
      k = randomBytes(rng, 8);
    }
    if (k === "" || RESERVED.has(k) || avoid.has(k)) continue;
    return k;
  }
}

export interface Item {
  source: string;
  result: DrvResult | FileResult;
}

export interface Program {
  items: Item[];
  world: NixWorld;
  /** Nix source (a byte string): a list with one entry per item. */
  nix: string;
}

function encodeHash(rng: Rng, h: NixHash): { text: string; needsAlgo: boolean } {
  switch (rng.int(6)) {
    case 0:
      return { text: h.toHex(), needsAlgo: true };
    case 1:
      return { text: h.toNixBase32(), needsAlgo: true };
    case 2:
      return { text: base64Encode(h.digest), needsAlgo: true };
    case 3:
      return { text: h.toSri(), needsAlgo: false };
    case 4:
      return { text: `${h.algo}:${nixbase32.encode(h.digest)}`, needsAlgo: false };
    default:
      return { text: `${h.algo}:${h.toHex()}`, needsAlgo: false };
  }
}

/** Generates `count` derivations (and some files) from `seed`. */
export function randomProgram(seed: number, count: number): Program {
  const rng = new Rng(seed);
  const world = new NixWorld();
  const items: Item[] = [];
  const vars = new Map<DrvResult | FileResult, string>();
  const render = new NixRenderer((r) => vars.get(r)!);
  const drvs: DrvResult[] = [];
  const files: FileResult[] = [];

  const piece = (allowDrvs: boolean, ownOutputs: string[]): Piece => {
    const r = rng.next();
    if (allowDrvs && drvs.length > 0 && r < 0.12) {
      const d = rng.chance(0.5)
        ? drvs[drvs.length - 1 - rng.int(Math.min(8, drvs.length))]!
        : rng.pick(drvs);
      return rng.chance(0.4) ? { drv: d } : { drv: d, output: rng.pick(d.outputs) };
    }
    if (allowDrvs && drvs.length > 0 && r < 0.135) return { drvPathOf: rng.pick(drvs) };
    if (files.length > 0 && r < 0.18) return { file: rng.pick(files) };
    if (allowDrvs && r < 0.21)
      return { placeholder: rng.chance(0.5) ? rng.pick(ownOutputs) : rng.pick(OUTPUT_POOL) };
    return randomBytes(rng, 12);
  };
  const str = (allowDrvs: boolean, own: string[], maxPieces = 4): Val => {
    const n = rng.range(0, maxPieces);
    const ps: Piece[] = [];
    for (let i = 0; i < n; i++) ps.push(piece(allowDrvs, own));
    return { str: ps };
  };
  const scalar = (own: string[]): Val => {
    const r = rng.next();
    if (r < 0.7) return str(true, own);
    if (r < 0.82) return { int: rng.chance(0.2) ? -rng.int(1_000_000_000) : rng.int(100_000) };
    if (r < 0.94) return { bool: rng.chance(0.5) };
    return { null: true };
  };
  const val = (structured: boolean, own: string[], depth = 0): Val => {
    const r = rng.next();
    if (r < 0.15) {
      const n = rng.int(4);
      return {
        list: Array.from({ length: n }, () =>
          structured && depth < 2 ? val(true, own, depth + 1) : scalar(own),
        ),
      };
    }
    if (structured && r < 0.25 && depth < 2) {
      const keys = new Set<string>();
      const attrs: [string, Val][] = [];
      for (let i = rng.int(4); i > 0; i--) {
        const k = randomKey(rng, keys);
        keys.add(k);
        attrs.push([k, val(true, own, depth + 1)]);
      }
      return { attrs };
    }
    return scalar(own);
  };

  let made = 0;
  while (made < count) {
    const name = `i${items.length}`;
    if (rng.chance(0.12)) {
      const contents: Piece[] = [];
      for (let i = rng.int(4); i >= 0; i--) {
        contents.push(
          files.length > 0 && rng.chance(0.3) ? { file: rng.pick(files) } : randomBytes(rng, 20),
        );
      }
      const fname = randomName(rng);
      const result = world.toFile(fname, { str: contents });
      vars.set(result, name);
      files.push(result);
      items.push({ source: render.toFile(fname, { str: contents }), result });
      continue;
    }

    const kind = rng.pick([
      "ia",
      "ia",
      "ia",
      "ia",
      "ia",
      "ia",
      "ia",
      "fod",
      "fod",
      "ca",
      "impure",
    ] as const);
    const attrs: [string, Val][] = [];
    const drvName = randomName(rng, kind === "fod" ? 20 : 12);
    attrs.push(["name", { str: [drvName] }]);
    let outputs = ["out"];
    if (kind !== "impure" && kind !== "fod" && rng.chance(0.4)) {
      const pool = [...OUTPUT_POOL];
      outputs = [];
      for (let i = rng.range(1, 4); i > 0; i--)
        outputs.push(pool.splice(rng.int(pool.length), 1)[0]!);
    }
    if (outputs.length > 1 || outputs[0] !== "out" || (kind === "fod" && rng.chance(0.1))) {
      attrs.push(["outputs", { list: outputs.map((o) => ({ str: [o] })) }]);
    }
    const structured = rng.chance(0.15);
    if (structured) attrs.push(["__structuredAttrs", { bool: true }]);
    else if (rng.chance(0.03)) attrs.push(["__structuredAttrs", { bool: false }]);
    attrs.push([
      "builder",
      rng.chance(0.7)
        ? { str: ["/bin/sh"] }
        : rng.chance(0.5) && drvs.length > 0
          ? { str: [{ drv: rng.pick(drvs) }, "/bin/sh"] }
          : { str: [randomBytes(rng, 10) || "b"] },
    ]);
    const system = rng.chance(0.7)
      ? "x86_64-linux"
      : randomBytes(rng, 10).replace(/["\\]/g, "") || "s";
    attrs.push(["system", { str: [system] }]);
    if (rng.chance(0.7)) {
      attrs.push(["args", { list: Array.from({ length: rng.int(5) }, () => str(true, outputs)) }]);
    }
    const keys = new Set<string>(outputs);
    let clash = rng.chance(0.05); // one attribute named like an output: the output path wins
    for (let i = rng.int(7); i > 0; i--) {
      const k = clash ? rng.pick(outputs) : randomKey(rng, keys);
      clash = false;
      keys.add(k);
      attrs.push([k, val(structured, outputs)]);
    }
    if (kind === "fod") {
      const algo: HashAlgo = rng.pick(HASH_ALGOS);
      const h = new NixHash(algo, rng.bytes(digestSize(algo)));
      const enc = encodeHash(rng, h);
      attrs.push(["outputHash", { str: [enc.text] }]);
      if (enc.needsAlgo || rng.chance(0.3)) attrs.push(["outputHashAlgo", { str: [algo] }]);
      const mode = rng.pick([undefined, "flat", "recursive"]);
      if (mode !== undefined) attrs.push(["outputHashMode", { str: [mode] }]);
    } else if (kind === "ca" || kind === "impure") {
      attrs.push([kind === "ca" ? "__contentAddressed" : "__impure", { bool: true }]);
      attrs.push(["outputHashMode", { str: [rng.pick(["flat", "recursive"])] }]);
      attrs.push(["outputHashAlgo", { str: [rng.pick(["sha256", "sha1", "sha512"])] }]);
    }
    // Nix sorts attributes anyway; shuffle to make sure nothing depends on our order.
    for (let i = attrs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [attrs[i], attrs[j]] = [attrs[j]!, attrs[i]!];
    }
    const result = world.derivation(attrs);
    vars.set(result, name);
    drvs.push(result);
    items.push({ source: render.derivation(attrs), result });
    made++;
  }

  const bindings = items.map((it) => `  ${vars.get(it.result)} = ${it.source};\n`).join("");
  const entries = items
    .map((it) => {
      const v = vars.get(it.result)!;
      if (it.result.kind === "file") return `  { f = ${v}; }\n`;
      const outs = it.result.outputs.map((o) => `${v}.${nixStringLiteral(o)}.outPath`).join(" ");
      return `  { d = ${v}.drvPath; o = [ ${outs} ]; }\n`;
    })
    .join("");
  return { items, world, nix: `let\n${bindings}in [\n${entries}]\n` };
}

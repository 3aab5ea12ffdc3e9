/**
 * Seeded generator of Nix programs exercising derivationStrict through the whole evaluator:
 * multiple outputs, fixed outputs in every mode, algorithm and encoding, structured attrs,
 * `__ignoreNulls`, `passAsFile` and reference checks passed through, dependencies through
 * string contexts (outPath, a specific output, drvPath, unsafeDiscardOutputDependency,
 * in Nix 2.8), `builtins.path` with filters over generated trees, `filterSource`,
 * path coercion, and `toFile` with references. The program evaluates to a list of
 * `{ d = drvPath; o = [ outPaths ]; }` and `{ f = path; }` items.
 */

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NixHash, nixbase32 } from "@tvix-ts/nix-compat";

export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
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

const str = (s: string) => JSON.stringify(s).replace(/\$\{/g, "\\${");

/** Writes a random tree of files, directories, symlinks and executables under `dir`. */
export function writeTree(rng: Rng, dir: string, depth = 0): void {
  mkdirSync(dir, { recursive: true });
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    const name = rng.pick(["a", "b.txt", "c.nix", "d-1", ".hidden", "e_f", "skip"]) + i;
    const p = join(dir, name);
    const k = rng.int(depth < 2 ? 5 : 3);
    if (k <= 1) writeFileSync(p, `content ${rng.int(1000)}\n`, { mode: k === 1 ? 0o755 : 0o644 });
    else if (k === 2) writeFileSync(p, "");
    else if (k === 3) writeTree(rng, p, depth + 1);
    else
      try {
        require_symlink(p, rng.pick(["a0", "../x", "/nix/store/foo"]));
      } catch {}
  }
}

import { symlinkSync } from "node:fs";

function require_symlink(p: string, target: string): void {
  symlinkSync(target, p);
}

function encodeHash(rng: Rng, algo: "md5" | "sha1" | "sha256" | "sha512", seed: string) {
  const h = new NixHash(algo, new Uint8Array(createHash(algo).update(seed).digest()));
  const form = rng.int(5);
  // [hash string, outputHashAlgo or undefined]
  if (form === 0) return [h.toHex(), algo] as const;
  if (form === 1) return [nixbase32.encode(h.digest), algo] as const;
  if (form === 2) return [h.toBase64(), algo] as const;
  if (form === 3) return [h.toSri(), rng.int(2) === 0 ? algo : ""] as const;
  return [`${algo}:${h.toHex()}`, rng.int(2) === 0 ? algo : undefined] as const;
}

export function generateProgram(seed: number, count: number, treeDir: string): string {
  const rng = new Rng(seed);
  const lets: string[] = [];
  const items: string[] = [];
  const drvs: { name: string; outputs: string[] }[] = [];
  const files: string[] = [];
  for (let t = 0; t < 4; t++) writeTree(rng, join(treeDir, `tree${t}`));
  for (let i = 0; i < count; i++) {
    const kind = rng.int(10);
    if (kind === 0) {
      const refs = files.length > 0 && rng.int(2) === 0 ? ` \${${rng.pick(files)}}` : "";
      lets.push(`f${i} = builtins.toFile "file-${i}" "text ${i}${refs}";`);
      files.push(`f${i}`);
      items.push(`{ f = f${i}; }`);
      continue;
    }
    if (kind === 1) {
      const t = `${treeDir}/tree${rng.int(4)}`;
      const variant = rng.int(4);
      const expr =
        variant === 0
          ? `builtins.path { path = ${t}; name = "src-${i}"; filter = p: t: !(builtins.match ".*skip.*" p != null) && t != "symlink"; }`
          : variant === 1
            ? `builtins.filterSource (p: t: builtins.substring 0 1 (baseNameOf p) != ".") ${t}`
            : variant === 2
              ? `builtins.path { path = ${t}; }`
              : `"\${${t}}"`;
      lets.push(`f${i} = ${expr};`);
      files.push(`f${i}`);
      items.push(`{ f = f${i}; }`);
      continue;
    }
    const name = `drv-${i}${rng.pick(["", "-1.0", ".x"])}`;
    const structured = rng.int(5) === 0;
    const attrs: string[] = [
      `name = ${str(name)};`,
      `system = ${str(rng.pick(["x86_64-linux", "aarch64-darwin"]))};`,
      // A path builder is copied to the store (not allowed with structured attrs in Nix 2.8).
      `builder = ${!structured && rng.int(3) === 0 ? "/bin/sh" : str("/bin/sh")};`,
    ];
    if (structured) attrs.push("__structuredAttrs = true;");
    if (rng.int(6) === 0) attrs.push("__ignoreNulls = true;", "maybe = null;");
    let outputs = ["out"];
    const fod = rng.int(4) === 0;
    if (fod) {
      const algo = rng.pick(["md5", "sha1", "sha256", "sha512"] as const);
      const [h, a] = encodeHash(rng, algo, `seed${i}`);
      attrs.push(`outputHash = ${str(h)};`);
      if (a !== undefined) attrs.push(`outputHashAlgo = ${str(a)};`);
      const mode = rng.int(3);
      if (mode === 1) attrs.push(`outputHashMode = "recursive";`);
      if (mode === 2) attrs.push(`outputHashMode = "flat";`);
    } else if (rng.int(3) === 0) {
      outputs = ["out", "dev", "lib", "doc"].slice(0, 1 + rng.int(4));
      if (rng.int(2) === 0) outputs.reverse();
      attrs.push(`outputs = [ ${outputs.map(str).join(" ")} ];`);
    }
    attrs.push(
      `args = [ "-c" ${str(`echo ${i} > $out`)} ${rng.int(3) === 0 ? "42 true null 1.5" : ""} ];`,
    );
    if (rng.int(4) === 0) attrs.push(`passAsFile = [ "big" ]; big = "lots of text ${i}";`);
    if (rng.int(5) === 0)
      attrs.push(`allowedReferences = [ ]; disallowedRequisites = [ "/nix/store/x" ];`);
    if (rng.int(4) === 0)
      attrs.push(
        `nested = { a = [ 1 2 { b = "c"; } ]; d = false; };`.replace(
          "nested = ",
          structured ? "nested = " : "nested = builtins.toJSON ",
        ),
      );
    if (rng.int(4) === 0) attrs.push(`placeholderRef = builtins.placeholder "out";`);
    if (files.length > 0 && rng.int(3) === 0) attrs.push(`src = ${rng.pick(files)};`);
    if (rng.int(5) === 0) attrs.push(`local = ${treeDir}/tree${rng.int(4)};`);
    const deps = drvs.length > 0 ? 1 + rng.int(3) : 0;
    for (let k = 0; k < deps; k++) {
      const j = rng.int(drvs.length);
      const d = drvs[j];
      const o = rng.pick(d.outputs);
      const ref = rng.pick([
        `"\${d${j}}"`,
        `d${j}.${o}`,
        `d${j}.drvPath`,
        `builtins.unsafeDiscardOutputDependency d${j}.drvPath`,
        `[ d${j}.${o} "x" ]`,
      ]);
      attrs.push(`dep${k} = ${ref};`);
    }
    lets.push(`d${drvs.length} = derivation { ${attrs.join(" ")} };`);
    const idx = drvs.length;
    drvs.push({ name, outputs });
    items.push(
      `{ d = d${idx}.drvPath; o = [ ${outputs.map((o) => `d${idx}.${o}.outPath`).join(" ")} ]; }`,
    );
  }
  return `let\n  ${lets.join("\n  ")}\nin [\n  ${items.join("\n  ")}\n]\n`;
}

/** Helpers for the NAR tests: hand-building NAR bytes, collecting streams, random trees. */
import fc from "fast-check";
import type { NarEntry, NarNode } from "../../src/index.ts";
import { compareBytes } from "../../src/index.ts";

const te = new TextEncoder();

export function bytes(s: string): Uint8Array {
  return te.encode(s);
}

export function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function u64(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/** A framed string (length, bytes, zero padding). */
export function str(s: string | Uint8Array): Uint8Array {
  const b = typeof s === "string" ? te.encode(s) : s;
  const out = new Uint8Array(8 + b.length + ((8 - (b.length % 8)) % 8));
  out.set(u64(b.length));
  out.set(b, 8);
  return out;
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** NAR bytes from tokens: strings are framed, Uint8Arrays are copied raw. */
export function nar(...tokens: (string | Uint8Array)[]): Uint8Array {
  return cat(...tokens.map((t) => (typeof t === "string" ? str(t) : t)));
}

/** Token lists for common nodes (after `(` `type`). */
export const tok = {
  file: (contents: string, exe = false): (string | Uint8Array)[] =>
    exe
      ? ["regular", "executable", "", "contents", str(contents), ")"]
      : ["regular", "contents", str(contents), ")"],
  symlink: (target: string | Uint8Array): (string | Uint8Array)[] => [
    "symlink",
    "target",
    str(target),
    ")",
  ],
  entry: (name: string | Uint8Array, node: (string | Uint8Array)[]): (string | Uint8Array)[] => [
    "entry",
    "(",
    "name",
    str(name),
    "node",
    "(",
    "type",
    ...node,
    ")",
  ],
};

/** A whole NAR whose root node is `node` (tokens after `type`). */
export function narOfRoot(node: (string | Uint8Array)[]): Uint8Array {
  return nar("nix-archive-1", "(", "type", ...node);
}

export async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(new Uint8Array(c));
  return cat(...parts);
}

/** Splits `b` into chunks at the given cut points (sorted, within bounds). */
export function split(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(b.length, c))))].sort(
    (x, y) => x - y,
  );
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, b.length]) {
    if (p > prev) out.push(b.subarray(prev, p));
    prev = p;
  }
  if (out.length === 0) out.push(b);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random trees (fast-check)

const nameByte = fc.integer({ min: 1, max: 255 }).filter((c) => c !== 0x2f);
export const arbName: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc.constantFrom(..."abcdefgh.-_ ".split("")).map((c) => bytes(c)),
    fc
      .uint8Array({ minLength: 1, maxLength: 12 })
      .map((b) => b.map((c) => (c === 0 || c === 0x2f ? 0x61 : c))),
    fc.array(nameByte, { minLength: 1, maxLength: 6 }).map((a) => Uint8Array.from(a)),
    fc.constantFrom(bytes("A"), bytes("a"), bytes("B"), bytes(".keep"), bytes("...")),
  )
  .filter(
    (n) =>
      !(n.length === 1 && n[0] === 0x2e) && !(n.length === 2 && n[0] === 0x2e && n[1] === 0x2e),
  );

export const arbTarget: fc.Arbitrary<Uint8Array> = fc
  .uint8Array({ minLength: 1, maxLength: 40 })
  .map((b) => b.map((c) => (c === 0 ? 0x2f : c)));

const arbDirectory = (node: fc.Arbitrary<NarNode>): fc.Arbitrary<NarNode> =>
  fc
    .uniqueArray(
      fc.tuple(arbName, node).map(([name, n]) => ({ name, node: n })),
      { maxLength: 6, selector: (e) => Array.from(e.name).join(",") },
    )
    .map(
      (entries): NarNode => ({
        type: "directory",
        entries: [...entries].sort((a, b) => compareBytes(a.name, b.name)) as NarEntry[],
      }),
    );

export const arbTree: fc.Arbitrary<NarNode> = fc.letrec<{ node: NarNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, withCrossShrink: true },
    {
      weight: 2,
      arbitrary: fc
        .record({ executable: fc.boolean(), contents: fc.uint8Array({ maxLength: 70 }) })
        .map((r): NarNode => ({ type: "regular", executable: r.executable, contents: r.contents })),
    },
    { weight: 1, arbitrary: arbTarget.map((target): NarNode => ({ type: "symlink", target })) },
    { weight: 2, arbitrary: arbDirectory(tie("node")) },
  ),
})).node;

/**
 * Random file system trees for the NAR differential tests, from a seeded PRNG: empty and large
 * files, executables (and files executable only by group/others), symlinks (dangling, absolute,
 * odd bytes, long), empty directories, deep nesting, and names with unicode, bytes 0x80-0xff,
 * spaces, newlines and leading dashes. Paths are Buffers so that non-UTF-8 names work.
 */
import * as fs from "node:fs";

/** mulberry32: small, fast, deterministic. */
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
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE((this.next() * 2 ** 32) >>> 0, i);
    for (; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
}

const SLASH = Buffer.from("/");
const join = (dir: Buffer, name: Buffer) => Buffer.concat([dir, SLASH, name]);

const oddNames: Buffer[] = [
  "a",
  "B",
  "b",
  "aa",
  ".keep",
  ".hidden",
  "...",
  ".a",
  "with space",
  " leading-space",
  "trailing-space ",
  "new\nline",
  "tab\there",
  "-leading-dash",
  "--double-dash",
  "é",
  "é", // decomposed e + combining accent
  "日本語",
  "😀",
  'quote"s',
  "back\\slash",
  "$dollar",
  "*star?",
  "CASE",
  "case",
].map((s) => Buffer.from(s));

function randomName(rng: Rng): Buffer {
  switch (rng.int(0, 5)) {
    case 0:
    case 1:
      return rng.pick(oddNames);
    case 2: {
      // Bytes 0x80-0xff: not UTF-8.
      const n = rng.int(1, 8);
      return Buffer.from(Array.from({ length: n }, () => rng.int(0x80, 0xff)));
    }
    case 3: {
      // Any bytes but NUL and '/'.
      const n = rng.int(1, 12);
      const b = Buffer.from(Array.from({ length: n }, () => rng.int(1, 255)));
      for (let i = 0; i < b.length; i++) if (b[i] === 0x2f) b[i] = 0x5f;
      if (b.equals(Buffer.from(".")) || b.equals(Buffer.from(".."))) return Buffer.from("dot");
      return b;
    }
    case 4:
      return Buffer.from("n".repeat(rng.int(100, 255)));
    default:
      return Buffer.from(`f${rng.int(0, 999)}`);
  }
}

function randomTarget(rng: Rng): Buffer {
  switch (rng.int(0, 6)) {
    case 0:
      return Buffer.from("/nix/store/somewhereelse");
    case 1:
      return Buffer.from("../up/and/away");
    case 2:
      return Buffer.from("dangling-nowhere");
    case 3:
      return Buffer.from(Array.from({ length: rng.int(1, 20) }, () => rng.int(1, 255)));
    case 4:
      return Buffer.from("t/".repeat(rng.int(100, 900)));
    case 5:
      return Buffer.from(" spaces and\nnewline ");
    default:
      return Buffer.from(".");
  }
}

export interface TreeOptions {
  /** Allow a few files of some MiB. */
  readonly large?: boolean;
  readonly maxDepth?: number;
}

/** Writes a random node at `path` (which must not exist). */
export function writeRandomNode(rng: Rng, path: Buffer, depth: number, opts: TreeOptions): void {
  const r = rng.next();
  const maxDepth = opts.maxDepth ?? 6;
  if (depth < maxDepth && (depth === 0 ? r < 0.8 : r < 0.3)) {
    fs.mkdirSync(path);
    const n = rng.chance(0.15) ? 0 : rng.int(1, depth === 0 ? 8 : 5);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const name = randomName(rng);
      if (used.has(name.toString("hex"))) continue;
      used.add(name.toString("hex"));
      writeRandomNode(rng, join(path, name), depth + 1, opts);
    }
    if (opts.large && depth === 0) {
      const size = rng.int(1, 4) * 1024 * 1024 + rng.int(0, 4096);
      fs.writeFileSync(join(path, Buffer.from("large.bin")), rng.bytes(size));
    }
    if (rng.chance(0.1)) fs.chmodSync(path, rng.pick([0o755, 0o700, 0o555]));
    return;
  }
  if (r < 0.45 && depth > 0) {
    fs.symlinkSync(randomTarget(rng), path);
    return;
  }
  let size: number;
  const s = rng.next();
  if (s < 0.15) size = 0;
  else if (opts.large && s > 0.97) size = rng.int(1, 4) * 1024 * 1024 + rng.int(0, 4096);
  else if (s > 0.9) size = rng.int(4096, 200_000);
  else size = rng.int(1, 300);
  fs.writeFileSync(path, rng.bytes(size));
  fs.chmodSync(path, rng.pick([0o644, 0o644, 0o755, 0o700, 0o744, 0o611, 0o400, 0o100]));
}

/** A deep chain of directories ending in a file. */
export function writeDeepChain(rng: Rng, path: Buffer, depth: number): void {
  let p = path;
  fs.mkdirSync(p);
  for (let i = 0; i < depth; i++) {
    p = join(p, Buffer.from(`d${i}`));
    fs.mkdirSync(p);
  }
  fs.writeFileSync(join(p, Buffer.from("leaf")), rng.bytes(10));
}

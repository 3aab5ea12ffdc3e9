/**
 * Identifier interning: the lexer hashes an identifier's bytes while scanning it and gets back one
 * shared JS string per distinct name, so a large file allocates each name once. Keywords are
 * pre-inserted with their token kind, which makes keyword recognition a by-product of interning.
 */
export class Interner {
  private table = new Int32Array(1024);
  private mask = 1023;
  private count = 0;
  readonly names: string[] = [];
  readonly kinds: number[] = [];
  private hashes: number[] = [];

  constructor(keywords: ReadonlyMap<string, number>, idKind: number) {
    this.idKind = idKind;
    for (const [name, kind] of keywords) {
      const bytes = new Uint8Array(name.length);
      for (let i = 0; i < name.length; i++) bytes[i] = name.charCodeAt(i);
      const i = this.intern(bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length));
      this.kinds[i] = kind;
    }
  }

  private readonly idKind: number;

  /** Index of the name `src[start..end)` whose FNV-1a hash is `hash`, inserting it if new. */
  intern(src: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    const table = this.table;
    let slot = hash & this.mask;
    for (;;) {
      const e = table[slot];
      if (e === 0) break;
      const i = e - 1;
      if (this.hashes[i] === hash) {
        const name = this.names[i];
        if (name.length === len) {
          let k = 0;
          while (k < len && name.charCodeAt(k) === src[start + k]) k++;
          if (k === len) return i;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    let name = "";
    for (let k = start; k < end; k++) name += String.fromCharCode(src[k]);
    const i = this.names.length;
    this.names.push(name);
    this.hashes.push(hash);
    this.kinds.push(this.idKind);
    table[slot] = i + 1;
    if (++this.count * 2 > table.length) this.grow();
    return i;
  }

  private grow(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.names.length; i++) {
      let slot = this.hashes[i] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** FNV-1a over bytes; the lexer computes the same value inline while scanning. */
export function hashBytes(src: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ src[i], 0x01000193);
  return h;
}

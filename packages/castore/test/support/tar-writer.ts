/**
 * Writes hand-made tar archives for tests that the `tar` program would refuse to produce
 * (absolute paths, `..`, devices without root, broken checksums, odd type flags).
 */

export interface CraftedEntry {
  name: string | Uint8Array;
  /** Type flag character (default "0"). */
  type?: string;
  mode?: number;
  data?: Uint8Array | string;
  linkName?: string;
  /** Overrides the size field (default: the data length). */
  size?: number;
  /** ustar prefix field. */
  prefix?: string;
  /** Corrupts the checksum. */
  badChecksum?: boolean;
}

const enc = new TextEncoder();
const bytes = (s: string | Uint8Array) => (typeof s === "string" ? enc.encode(s) : s);

function octal(block: Uint8Array, at: number, len: number, n: number): void {
  const s = n.toString(8).padStart(len - 1, "0");
  block.set(enc.encode(s), at);
  block[at + len - 1] = 0;
}

export function header(e: CraftedEntry): Uint8Array {
  const block = new Uint8Array(512);
  const data = bytes(e.data ?? "");
  block.set(bytes(e.name).subarray(0, 100), 0);
  octal(block, 100, 8, e.mode ?? 0o644);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, e.size ?? data.length);
  octal(block, 136, 12, 0);
  block[156] = (e.type ?? "0").charCodeAt(0);
  if (e.linkName) block.set(enc.encode(e.linkName).subarray(0, 100), 157);
  block.set(enc.encode("ustar\u000000"), 257);
  if (e.prefix) block.set(enc.encode(e.prefix), 345);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (e.badChecksum) sum += 1;
  octal(block, 148, 7, sum);
  block[155] = 0x20;
  return block;
}

/** A pax `x` record set for the next entry. */
export function pax(records: Record<string, string>): CraftedEntry {
  let body = "";
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    body += `${len}${rest}`;
  }
  return { name: "PaxHeader", type: "x", data: body };
}

export function tarOf(
  entries: readonly CraftedEntry[],
  options: { end?: boolean } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(header(e));
    const data = bytes(e.data ?? "");
    parts.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    parts.push(new Uint8Array(pad));
  }
  if (options.end !== false) parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

/**
 * POSIX pax extended header records: `"<len> <key>=<value>\n"`, where `<len>` counts the whole
 * record including itself. Keys are ASCII; values are kept as raw bytes (paths need not be
 * UTF-8 when `hdrcharset=BINARY`).
 */
import { HeaderError } from "./header.ts";

const decoder = new TextDecoder();

export function parsePax(data: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let off = 0;
  while (off < data.length) {
    // Trailing NUL padding is tolerated (some writers pad the last record).
    if (data[off] === 0) break;
    const space = data.indexOf(0x20, off);
    if (space < 0) throw new HeaderError("malformed pax record (no length)");
    const lenText = decoder.decode(data.subarray(off, space));
    if (!/^[0-9]+$/.test(lenText)) throw new HeaderError("malformed pax record length");
    const len = Number(lenText);
    const end = off + len;
    if (len <= space - off + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw new HeaderError("malformed pax record");
    }
    const rec = data.subarray(space + 1, end - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new HeaderError("malformed pax record (no key)");
    out.set(decoder.decode(rec.subarray(0, eq)), rec.slice(eq + 1));
    off = end;
  }
  return out;
}

/** A decimal pax value (`size`, GNU sparse numbers). */
export function paxNumber(value: Uint8Array, key: string): number {
  const text = decoder.decode(value);
  if (!/^[0-9]+$/.test(text)) throw new HeaderError(`invalid pax ${key} ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new HeaderError(`pax ${key} too large`);
  return n;
}

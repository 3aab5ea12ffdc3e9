/**
 * RFC 4648 base64 with the strictness Nix needs. Runtime-provided decoders are lenient
 * (whitespace, URL-safe alphabet, missing padding), so this one checks every character.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function base64Encode(b: Uint8Array): string {
  let s = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s +=
      ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const v = b[i]! << 16;
    s += `${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}==`;
  } else if (rest === 2) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8);
    s += `${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}${ALPHABET[(v >> 6) & 63]}=`;
  }
  return s;
}

export function base64EncodedLength(n: number, padded: boolean): number {
  return padded ? Math.ceil(n / 3) * 4 : Math.ceil((n * 4) / 3);
}

/**
 * Decodes base64. `padding: "required"` wants exactly the canonical padding; `"none"` wants none.
 * With `checkTrailingBits`, unused low bits of the last character must be zero.
 * Returns undefined on invalid input.
 */
export function base64Decode(
  s: string,
  opts: { padding: "required" | "none"; checkTrailingBits: boolean },
): Uint8Array | undefined {
  let body = s;
  if (opts.padding === "required") {
    if (s.length % 4 !== 0) return undefined;
    if (s.endsWith("==")) body = s.slice(0, -2);
    else if (s.endsWith("=")) body = s.slice(0, -1);
  }
  if (body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (opts.checkTrailingBits && bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

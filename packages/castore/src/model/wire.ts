/**
 * Minimal protobuf wire writer, enough to produce the canonical encoding Tvix hashes
 * (castore-store.md §1.8): fields in ascending number order, proto3 defaults omitted, minimal
 * varints. Hand-written on purpose: protobuf libraries do not promise a canonical encoding.
 */

export class WireWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Unsigned varint of a safe non-negative integer. */
  varint(v: number): void {
    this.#reserve(10);
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#len++] = v;
  }

  tag(field: number, wireType: 0 | 2): void {
    this.varint(field * 8 + wireType);
  }

  /** Length-delimited bytes field; omitted when empty (proto3 default). */
  bytesField(field: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.tag(field, 2);
    this.varint(b.length);
    this.raw(b);
  }

  /** Varint field; omitted when zero (proto3 default). */
  uintField(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    this.varint(v);
  }

  boolField(field: number, v: boolean): void {
    if (v) this.uintField(field, 1);
  }

  /** Embedded message, always written (even when empty) as proto3 does for set sub-messages. */
  messageField(field: number, body: Uint8Array): void {
    this.tag(field, 2);
    this.varint(body.length);
    this.raw(body);
  }

  raw(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

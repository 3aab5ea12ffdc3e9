/**
 * Push parser for NARs (spec §3.1, §3.2): feed it chunks, it appends events. Everything the spec
 * lists is validated: exact tokens, zero padding, entry names (non-empty, at most 255 bytes, no
 * `/` or NUL, not `.`/`..`), strictly increasing names, symlink targets (non-empty, at most 4095
 * bytes, no NUL), nesting depth, truncation and trailing bytes. Length fields are checked against
 * the largest value allowed at that point before anything is read, so a corrupt length never
 * causes a large allocation; file contents are passed through as views of the input chunks.
 *
 * The last bytes of every file (at most 8, or the final piece of a chunk) are released only after
 * the padding and the closing `)` have been verified, so a consumer never sees the end of a file
 * from a corrupt archive as complete. Both the streaming reader and `parseNar` are built on this.
 */
import { compareBytes } from "../bytes.ts";
import { NarError } from "./error.ts";
import {
  DEFAULT_MAX_DEPTH,
  describeBytes,
  invalidNameReason,
  invalidTargetReason,
  MAX_NAME_LEN,
  MAX_TARGET_LEN,
  padLength,
  readU64,
} from "./wire.ts";

export type NarParseEvent =
  | { readonly kind: "directory-start"; readonly name: Uint8Array | undefined }
  | { readonly kind: "directory-end" }
  | {
      readonly kind: "symlink";
      readonly name: Uint8Array | undefined;
      readonly target: Uint8Array;
    }
  | {
      readonly kind: "file";
      readonly name: Uint8Array | undefined;
      readonly executable: boolean;
      readonly size: number;
      /** Offset of the first content byte in the NAR. */
      readonly narOffset: number;
    }
  /** A piece of the current file's contents (a view of an input chunk, or a small copy). */
  | { readonly kind: "data"; readonly bytes: Uint8Array }
  /** The current file's padding and closing `)` were verified. */
  | { readonly kind: "file-end" };

export interface NarParserOptions {
  /** Nodes at this depth or deeper are rejected (root = 0). Default 64, like current CppNix. */
  readonly maxDepth?: number;
  /**
   * Stop at the end of the root node instead of rejecting further bytes; `push` then returns how
   * many bytes of the chunk belonged to the NAR.
   */
  readonly allowTrailing?: boolean;
}

const enc = (s: string) => new TextEncoder().encode(s);
const T_MAGIC = enc("nix-archive-1");
const T_OPEN = enc("(");
const T_CLOSE = enc(")");
const T_TYPE = enc("type");
const T_REGULAR = enc("regular");
const T_SYMLINK = enc("symlink");
const T_DIRECTORY = enc("directory");
const T_EXECUTABLE = enc("executable");
const T_EMPTY = enc("");
const T_CONTENTS = enc("contents");
const T_TARGET = enc("target");
const T_ENTRY = enc("entry");
const T_NAME = enc("name");
const T_NODE = enc("node");
/** Longest keyword we ever expect; longer strings at keyword positions are rejected unread. */
const MAX_TAG = 16;

const S_MAGIC = 0;
const S_OPEN = 1;
const S_TYPE_KW = 2;
const S_TYPE = 3;
const S_REG_TAG = 4;
const S_EXE_VALUE = 5;
const S_CONTENTS_KW = 6;
const S_SIZE = 7;
const S_DATA = 8;
const S_DATA_PAD = 9;
const S_FILE_CLOSE = 10;
const S_TARGET_KW = 11;
const S_TARGET = 12;
const S_SYM_CLOSE = 13;
const S_DIR_ITEM = 14;
const S_ENTRY_OPEN = 15;
const S_NAME_KW = 16;
const S_NAME = 17;
const S_NODE_KW = 18;
const S_ENTRY_CLOSE = 19;
const S_DONE = 20;

const EMPTY = new Uint8Array(0);

/**
 * A copy of `b`. (Not `b.slice()`: input chunks may be Node Buffers, whose `slice` is a view.)
 */
function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function bytesIs(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function show(t: Uint8Array): string {
  return `'${new TextDecoder().decode(t)}'`;
}

export class NarParser {
  private readonly maxDepth: number;
  private readonly allowTrailing: boolean;

  private state = S_MAGIC;
  /** Absolute offset of the next byte to consume. */
  private off = 0;
  /** Offset where the current token (its length field) started, for messages. */
  private tokStart = 0;

  // Current input chunk.
  private c: Uint8Array = EMPTY;
  private p = 0;

  // Accumulator for items that straddle chunks (never larger than a name or target + framing).
  private acc: Uint8Array = new Uint8Array(64);
  private accLen = 0;
  /** Declared length of the string being read, or -1 while its length field is pending. */
  private strLen = -1;

  // Node being parsed.
  private executable = false;
  private name: Uint8Array | undefined = undefined;
  private remaining = 0;
  private fileSize = 0;
  /** Final bytes of the current file, withheld until its trailer is verified. */
  private held: Uint8Array = EMPTY;
  private heldIsView = false;

  /** One entry per open directory: the previous entry name (for ordering). */
  private readonly prev: (Uint8Array | undefined)[] = [];
  private failure: NarError | undefined;

  constructor(opts: NarParserOptions = {}) {
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.allowTrailing = opts.allowTrailing ?? false;
  }

  /** Bytes consumed so far (= the NAR size once `done`). */
  get offset(): number {
    return this.off;
  }

  /** True once the root node is complete. */
  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Parses `chunk`, appending events to `events`. Returns how many bytes of it were part of the
   * NAR (all of them, unless `allowTrailing` and the NAR ended inside this chunk). Content events
   * are views of `chunk`; the parser keeps no reference to it after returning.
   */
  push(chunk: Uint8Array, events: NarParseEvent[]): number {
    if (this.failure) throw this.failure;
    this.c = chunk;
    this.p = 0;
    try {
      this.run(events);
    } catch (e) {
      if (e instanceof NarError) this.failure = e;
      throw e;
    } finally {
      this.c = EMPTY;
    }
    if (this.heldIsView) {
      // The chunk may be reused by its owner: release all but the last 8 withheld bytes and copy
      // those.
      const h = this.held;
      if (h.length > 8) events.push({ kind: "data", bytes: h.subarray(0, h.length - 8) });
      this.held = copy(h.subarray(Math.max(0, h.length - 8)));
      this.heldIsView = false;
    }
    return this.p;
  }

  /** Signals the end of input: throws when the NAR is incomplete. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.state !== S_DONE) {
      this.failure = new NarError(
        "truncated",
        `NAR is truncated: input ended while ${this.expecting()}`,
        this.off,
      );
      throw this.failure;
    }
  }

  private expecting(): string {
    switch (this.state) {
      case S_MAGIC:
        return "reading the magic";
      case S_DATA:
        return `reading file contents (${this.remaining} bytes missing)`;
      case S_DATA_PAD:
        return "reading file padding";
      case S_NAME:
        return "reading an entry name";
      case S_TARGET:
        return "reading a symlink target";
      case S_SIZE:
        return "reading a file size";
      default:
        return "reading a token";
    }
  }

  private fail(code: ConstructorParameters<typeof NarError>[0], msg: string, at: number): never {
    throw new NarError(code, msg, at);
  }

  /** `n` bytes from the input, or null when they are not all there yet (progress is kept). */
  private need(n: number): Uint8Array | null {
    const avail = this.c.length - this.p;
    if (this.accLen === 0 && avail >= n) {
      const v = this.c.subarray(this.p, this.p + n);
      this.p += n;
      this.off += n;
      return v;
    }
    if (this.acc.length < n) {
      const bigger = new Uint8Array(Math.max(n, this.acc.length * 2));
      bigger.set(this.acc.subarray(0, this.accLen));
      this.acc = bigger;
    }
    const k = Math.min(n - this.accLen, avail);
    this.acc.set(this.c.subarray(this.p, this.p + k), this.accLen);
    this.accLen += k;
    this.p += k;
    this.off += k;
    if (this.accLen < n) return null;
    this.accLen = 0;
    return this.acc.subarray(0, n);
  }

  /**
   * A framed string of at most `max` bytes, or null when more input is needed. `what` names the
   * expected item for messages. The result is only valid until the next read.
   */
  private string(max: number, what: () => string): Uint8Array | null {
    if (this.strLen < 0) {
      if (this.accLen === 0) this.tokStart = this.off;
      const l = this.need(8);
      if (l === null) return null;
      const n = readU64(l, 0);
      if (n < 0 || n > max) {
        this.fail(
          "unexpected-token",
          `expected ${what()}, found a string of length ${n < 0 ? ">= 2^53" : n}`,
          this.tokStart,
        );
      }
      this.strLen = n;
    }
    const len = this.strLen;
    const total = len + padLength(len);
    if (total === 0) {
      this.strLen = -1;
      return EMPTY;
    }
    const b = this.need(total);
    if (b === null) return null;
    this.strLen = -1;
    for (let i = len; i < total; i++)
      if (b[i] !== 0)
        this.fail("bad-padding", `non-zero padding after ${what()}`, this.tokStart + 8 + i);
    return b.subarray(0, len);
  }

  /**
   * One of the keywords `alts`: returns its index, or -1 when more input is needed. Anything else
   * is an error naming what was expected.
   */
  private keyword(alts: readonly Uint8Array[]): number {
    const what = () => alts.map(show).join(" or ");
    const s = this.string(MAX_TAG, what);
    if (s === null) return -1;
    for (let i = 0; i < alts.length; i++) if (bytesIs(s, alts[i]!)) return i;
    if (this.state === S_MAGIC)
      this.fail("bad-magic", "not a NAR: it does not start with 'nix-archive-1'", this.tokStart);
    return this.fail(
      "unexpected-token",
      `expected ${what()}, found ${describeBytes(s)}`,
      this.tokStart,
    );
  }

  /** The current node is complete: go back to its directory, or finish. */
  private nodeDone(): void {
    this.name = undefined;
    this.state = this.prev.length === 0 ? S_DONE : S_ENTRY_CLOSE;
  }

  private run(ev: NarParseEvent[]): void {
    for (;;) {
      switch (this.state) {
        case S_MAGIC: {
          if (this.strLen < 0 && this.accLen === 0) this.tokStart = this.off;
          // Anything that is not the magic is "not a NAR", including a huge first length.
          if (this.strLen < 0) {
            const l = this.need(8);
            if (l === null) return;
            const n = readU64(l, 0);
            if (n !== T_MAGIC.length)
              this.fail("bad-magic", "not a NAR: it does not start with 'nix-archive-1'", 0);
            this.strLen = n;
          }
          if (this.keyword([T_MAGIC]) < 0) return;
          this.state = S_OPEN;
          break;
        }
        case S_OPEN:
          if (this.keyword([T_OPEN]) < 0) return;
          this.state = S_TYPE_KW;
          break;
        case S_TYPE_KW:
          if (this.keyword([T_TYPE]) < 0) return;
          this.state = S_TYPE;
          break;
        case S_TYPE: {
          const k = this.keyword([T_REGULAR, T_SYMLINK, T_DIRECTORY]);
          if (k < 0) return;
          if (k === 0) {
            this.executable = false;
            this.state = S_REG_TAG;
          } else if (k === 1) {
            this.state = S_TARGET_KW;
          } else {
            ev.push({ kind: "directory-start", name: this.name });
            this.prev.push(undefined);
            this.name = undefined;
            this.state = S_DIR_ITEM;
          }
          break;
        }
        case S_REG_TAG: {
          const k = this.keyword([T_EXECUTABLE, T_CONTENTS]);
          if (k < 0) return;
          this.state = k === 0 ? S_EXE_VALUE : S_SIZE;
          break;
        }
        case S_EXE_VALUE:
          if (this.keyword([T_EMPTY]) < 0) return;
          this.executable = true;
          this.state = S_CONTENTS_KW;
          break;
        case S_CONTENTS_KW:
          if (this.keyword([T_CONTENTS]) < 0) return;
          this.state = S_SIZE;
          break;
        case S_SIZE: {
          if (this.accLen === 0) this.tokStart = this.off;
          const l = this.need(8);
          if (l === null) return;
          const size = readU64(l, 0);
          if (size < 0)
            this.fail("too-large", "file size is 2^53 bytes or more (unsupported)", this.tokStart);
          this.fileSize = size;
          this.remaining = size;
          ev.push({
            kind: "file",
            name: this.name,
            executable: this.executable,
            size,
            narOffset: this.off,
          });
          this.state = size === 0 ? S_DATA_PAD : S_DATA;
          break;
        }
        case S_DATA: {
          const avail = this.c.length - this.p;
          if (avail === 0) return;
          if (avail < this.remaining) {
            ev.push({ kind: "data", bytes: this.c.subarray(this.p, this.c.length) });
            this.p += avail;
            this.off += avail;
            this.remaining -= avail;
            return;
          }
          // The final piece: withheld until the trailer has been verified.
          this.held = this.c.subarray(this.p, this.p + this.remaining);
          this.heldIsView = true;
          this.p += this.remaining;
          this.off += this.remaining;
          this.remaining = 0;
          this.state = S_DATA_PAD;
          break;
        }
        case S_DATA_PAD: {
          const pad = padLength(this.fileSize);
          if (pad > 0) {
            if (this.accLen === 0) this.tokStart = this.off;
            const b = this.need(pad);
            if (b === null) return;
            for (let i = 0; i < pad; i++)
              if (b[i] !== 0)
                this.fail("bad-padding", "non-zero padding after file contents", this.tokStart + i);
          }
          this.state = S_FILE_CLOSE;
          break;
        }
        case S_FILE_CLOSE:
          if (this.keyword([T_CLOSE]) < 0) return;
          if (this.held.length > 0) ev.push({ kind: "data", bytes: this.held });
          this.held = EMPTY;
          this.heldIsView = false;
          ev.push({ kind: "file-end" });
          this.nodeDone();
          break;
        case S_TARGET_KW:
          if (this.keyword([T_TARGET]) < 0) return;
          this.state = S_TARGET;
          break;
        case S_TARGET: {
          const t = this.string(MAX_TARGET_LEN, () => "a symlink target");
          if (t === null) return;
          const why = invalidTargetReason(t);
          if (why) this.fail("invalid-target", why, this.tokStart);
          this.held = copy(t);
          this.state = S_SYM_CLOSE;
          break;
        }
        case S_SYM_CLOSE: {
          if (this.keyword([T_CLOSE]) < 0) return;
          ev.push({ kind: "symlink", name: this.name, target: this.held });
          this.held = EMPTY;
          this.nodeDone();
          break;
        }
        case S_DIR_ITEM: {
          const k = this.keyword([T_ENTRY, T_CLOSE]);
          if (k < 0) return;
          if (k === 0) {
            this.state = S_ENTRY_OPEN;
          } else {
            this.prev.pop();
            ev.push({ kind: "directory-end" });
            this.nodeDone();
          }
          break;
        }
        case S_ENTRY_OPEN:
          if (this.keyword([T_OPEN]) < 0) return;
          this.state = S_NAME_KW;
          break;
        case S_NAME_KW:
          if (this.keyword([T_NAME]) < 0) return;
          this.state = S_NAME;
          break;
        case S_NAME: {
          const n = this.string(MAX_NAME_LEN, () => "an entry name");
          if (n === null) return;
          const why = invalidNameReason(n);
          if (why) this.fail("invalid-name", `${why}: ${describeBytes(n)}`, this.tokStart);
          const top = this.prev.length - 1;
          const before = this.prev[top];
          if (before !== undefined && compareBytes(before, n) >= 0)
            this.fail(
              "unsorted-names",
              `entry ${describeBytes(n)} does not sort after ${describeBytes(before)} (duplicate or unsorted names)`,
              this.tokStart,
            );
          const name = copy(n);
          this.prev[top] = name;
          this.name = name;
          this.state = S_NODE_KW;
          break;
        }
        case S_NODE_KW:
          if (this.keyword([T_NODE]) < 0) return;
          if (this.prev.length >= this.maxDepth)
            this.fail(
              "too-deep",
              `directories are nested deeper than the maximum depth ${this.maxDepth}`,
              this.tokStart,
            );
          this.state = S_OPEN;
          break;
        case S_ENTRY_CLOSE:
          if (this.keyword([T_CLOSE]) < 0) return;
          this.state = S_DIR_ITEM;
          break;
        case S_DONE: {
          if (this.p < this.c.length && !this.allowTrailing)
            this.fail("trailing-data", "unexpected data after the end of the NAR", this.off);
          return;
        }
      }
    }
  }
}

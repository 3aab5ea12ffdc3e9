/**
 * NAR writer (spec §3.1, §3.3). Walks an abstract, possibly lazy and asynchronous tree
 * (`NarNodeInput`) in NAR order and serialises it: tokens and file contents are batched into
 * large buffers (content readers fill those buffers directly), and large content chunks from
 * chunk streams pass through without copying.
 *
 * The writer sorts directory entries bytewise itself, rejects duplicate or invalid names and
 * invalid symlink targets, and checks each file's contents against its declared size.
 *
 * Three drivers share one walker (`walk`, a generator that yields the promises it needs
 * resolved): `writeNar` (async chunks), `writeNarSync` (one Uint8Array, synchronous trees only)
 * and `writeNarToSink` (writes into buffers a sink hands out, e.g. shared memory).
 */
import { compareBytes, utf8Encode } from "../bytes.ts";
import { NarError } from "./error.ts";
import type {
  NarContentReader,
  NarDirectoryInput,
  NarEntryInput,
  NarName,
  NarNodeInput,
  NarRegularInput,
} from "./types.ts";
import {
  invalidNameReason,
  invalidTargetReason,
  MAX_FILE_SIZE,
  padLength,
  TOK_DIR,
  TOK_ENT,
  TOK_EXE,
  TOK_NAR,
  TOK_NOD,
  TOK_PAR,
  TOK_REG,
  TOK_SYM,
  writeU64,
} from "./wire.ts";

export interface WriteNarOptions {
  /** Size of the buffers output is batched into (default 256 KiB). */
  readonly chunkSize?: number;
  /**
   * Maximum nesting depth (the root is depth 0). Default: unlimited, like Nix 2.8's
   * `nix-store --dump`; current CppNix refuses 64 and deeper.
   */
  readonly maxDepth?: number;
  /**
   * `writeNar` only: reuse output buffers, so that each chunk is valid only until the next one
   * is requested (the consumer must copy what it keeps). Saves allocation when the consumer
   * hashes or writes chunks immediately. Default false: chunks are never modified after they
   * are handed out.
   */
  readonly reuseBuffers?: boolean;
}

/**
 * Where `writeNarToSink` writes: the sink hands out buffers, the writer fills them in order.
 * `swap` may block (e.g. until a consumer thread has drained a shared buffer).
 */
export interface NarBufferSink {
  /**
   * `filled[0..used)` is complete (`filled` is undefined on the first call). Returns the next
   * buffer to fill, at least `min` bytes long.
   */
  swap(filled: Uint8Array | undefined, used: number, min: number): Uint8Array;
  /** The NAR is complete: `last[0..used)` is its final part. */
  end(last: Uint8Array, used: number): void;
}

const DEFAULT_CHUNK = 256 * 1024;
/** Content chunks at least this large are yielded as they are instead of being copied. */
const DIRECT_THRESHOLD = 64 * 1024;
/** Content readers get at least this much room (or what is left of the file). */
const MIN_READ_ROOM = 16 * 1024;

/**
 * Output buffering. Chunk mode: filled regions go to `ready`, which the driver hands out;
 * buffers are fresh (or, with `reuse`, recycled once `rewind()` says the consumer is done).
 * Sink mode: buffers come from a `NarBufferSink`, nothing is handed out.
 */
class Output {
  private buf: Uint8Array;
  private start = 0;
  private pos = 0;
  private readonly chunkSize: number;
  private readonly direct: number;
  private readonly reuse: boolean;
  private readonly sink: NarBufferSink | undefined;
  /** Buffers replaced since the last rewind, and spare ones (reuse only). */
  private retired: Uint8Array[] = [];
  private spare: Uint8Array[] = [];
  /** Finished chunks the driver hands out (chunk mode). */
  readonly ready: Uint8Array[] = [];

  constructor(chunkSize: number, reuse: boolean, sink?: NarBufferSink) {
    this.chunkSize = chunkSize;
    this.direct = sink ? Number.POSITIVE_INFINITY : Math.min(DIRECT_THRESHOLD, chunkSize);
    this.reuse = reuse;
    this.sink = sink;
    this.buf = sink ? sink.swap(undefined, 0, chunkSize) : new Uint8Array(chunkSize);
  }

  /** Moves to a new buffer with at least `n` bytes. */
  private newBuffer(n: number): void {
    if (this.sink) {
      this.buf = this.sink.swap(this.buf, this.pos, n);
      if (this.buf.length < n) throw new RangeError("NarBufferSink returned a too small buffer");
    } else {
      this.flush();
      const size = Math.max(n, this.chunkSize);
      if (this.reuse) {
        this.retired.push(this.buf);
        const s = this.spare.findIndex((b) => b.length >= size);
        this.buf = s >= 0 ? this.spare.splice(s, 1)[0]! : new Uint8Array(size);
      } else {
        this.buf = new Uint8Array(size);
      }
    }
    this.start = this.pos = 0;
  }

  /** Makes `n` contiguous bytes available at `pos`. */
  private reserve(n: number): void {
    if (this.buf.length - this.pos < n) this.newBuffer(n);
  }

  /** Every handed-out chunk has been consumed: buffers may be overwritten (reuse only). */
  rewind(): void {
    if (!this.reuse || this.ready.length > 0) return;
    if (this.pos === this.start) this.start = this.pos = 0;
    if (this.retired.length > 0) {
      this.spare.push(...this.retired);
      this.retired = [];
    }
  }

  /** Hands out what has been written since the last flush (chunk mode). */
  flush(): void {
    if (this.pos > this.start && !this.sink) {
      this.ready.push(this.buf.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }

  /** Flushes when at least a chunk's worth is waiting. */
  flushIfFull(): void {
    if (this.pos - this.start >= this.chunkSize || this.pos === this.buf.length) this.flush();
  }

  /** Writes the end of the NAR. */
  finish(): void {
    if (this.sink) this.sink.end(this.buf, this.pos);
    else this.flush();
  }

  put(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  u64(n: number): void {
    this.reserve(8);
    writeU64(this.buf, this.pos, n);
    this.pos += 8;
  }

  /** A framed string: length, bytes, zero padding. */
  string(b: Uint8Array): void {
    const n = 8 + b.length + padLength(b.length);
    this.reserve(n);
    writeU64(this.buf, this.pos, b.length);
    this.buf.set(b, this.pos + 8);
    for (let i = this.pos + 8 + b.length; i < this.pos + n; i++) this.buf[i] = 0;
    this.pos += n;
  }

  zeros(n: number): void {
    this.reserve(n);
    for (let i = this.pos; i < this.pos + n; i++) this.buf[i] = 0;
    this.pos += n;
  }

  /** File contents: large chunks pass through (chunk mode), smaller ones are copied. */
  data(b: Uint8Array): void {
    if (b.length >= this.direct) {
      this.flush();
      this.ready.push(b);
      return;
    }
    let o = 0;
    while (o < b.length) {
      if (this.pos === this.buf.length) this.newBuffer(this.chunkSize);
      const n = Math.min(this.buf.length - this.pos, b.length - o);
      this.buf.set(o === 0 && n === b.length ? b : b.subarray(o, o + n), this.pos);
      this.pos += n;
      o += n;
    }
  }

  /** Room for a content reader: up to `want` bytes of the current (or a new) buffer. */
  region(want: number): Uint8Array {
    if (this.buf.length - this.pos < Math.min(want, MIN_READ_ROOM)) this.newBuffer(this.chunkSize);
    return this.buf.subarray(this.pos, this.pos + Math.min(want, this.buf.length - this.pos));
  }

  /** `n` bytes were written into the last `region()`. */
  advance(n: number): void {
    this.pos += n;
  }
}

/** Yielded by the walker when output chunks are ready to hand out. */
const FLUSH: unique symbol = Symbol("flush");
/** What the walker yields: a promise it needs resolved, or FLUSH. */
type Step = PromiseLike<unknown> | typeof FLUSH;

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return (
    x !== null &&
    (typeof x === "object" || typeof x === "function") &&
    typeof (x as PromiseLike<unknown>).then === "function"
  );
}

function isContentReader(x: unknown): x is NarContentReader {
  return (
    x !== null && typeof x === "object" && typeof (x as NarContentReader).readInto === "function"
  );
}

function nameBytes(n: NarName): Uint8Array {
  if (typeof n === "string") return utf8Encode(n);
  if (n instanceof Uint8Array) return n;
  throw new NarError("invalid-node", `a name or target must be a Uint8Array or string`);
}

/** Display form of a path for messages (names decoded leniently). */
function showPath(parts: readonly Uint8Array[]): string {
  if (parts.length === 0) return "/";
  const dec = new TextDecoder();
  return parts.map((p) => dec.decode(p)).join("/");
}

function fileSize(node: NarRegularInput, where: () => string): number | undefined {
  const s = node.size;
  if (s === undefined) return undefined;
  if (typeof s === "bigint") {
    if (s < 0n || s > BigInt(MAX_FILE_SIZE))
      throw new NarError("too-large", `file '${where()}' has an unsupported size ${s}`);
    return Number(s);
  }
  if (typeof s !== "number" || !Number.isSafeInteger(s) || s < 0)
    throw new NarError("invalid-node", `file '${where()}' has an invalid size ${String(s)}`);
  return s;
}

interface Frame {
  readonly entries: { name: Uint8Array; node: NarEntryInput["node"] }[];
  i: number;
  readonly path: Uint8Array[];
}

/** Reads an entries input into a sorted, validated array. */
function* collectEntries(
  node: NarDirectoryInput,
  path: readonly Uint8Array[],
): Generator<Step, Frame["entries"], unknown> {
  let src: unknown = node.entries;
  if (typeof src === "function") {
    src = (src as () => unknown)();
    if (isPromiseLike(src)) src = yield src;
  }
  const out: Frame["entries"] = [];
  const add = (e: NarEntryInput) => {
    if (e === null || typeof e !== "object")
      throw new NarError("invalid-node", `directory '${showPath(path)}' has a non-object entry`);
    const name = nameBytes(e.name);
    const why = invalidNameReason(name);
    if (why) throw new NarError("invalid-name", `${why} in directory '${showPath(path)}'`);
    out.push({ name, node: e.node });
  };
  if (src !== null && typeof src === "object" && Symbol.asyncIterator in src) {
    const it = (src as AsyncIterable<NarEntryInput>)[Symbol.asyncIterator]();
    for (;;) {
      const r = (yield it.next()) as IteratorResult<NarEntryInput>;
      if (r.done) break;
      add(r.value);
    }
  } else if (src !== null && typeof src === "object" && Symbol.iterator in src) {
    for (const e of src as Iterable<NarEntryInput>) add(e);
  } else {
    throw new NarError("invalid-node", `directory '${showPath(path)}' has no iterable entries`);
  }
  let sorted = true;
  for (let i = 1; i < out.length && sorted; i++)
    if (compareBytes(out[i - 1]!.name, out[i]!.name) >= 0) sorted = false;
  if (!sorted) {
    out.sort((a, b) => compareBytes(a.name, b.name));
    for (let i = 1; i < out.length; i++)
      if (compareBytes(out[i - 1]!.name, out[i]!.name) === 0)
        throw new NarError(
          "invalid-name",
          `duplicate entry '${showPath([...path, out[i]!.name])}' in directory '${showPath(path)}'`,
        );
  }
  return out;
}

/** Fills the output from a content reader, exactly `size` bytes. */
function* readContents(
  src: NarContentReader,
  size: number,
  out: Output,
  where: () => string,
): Generator<Step, void, unknown> {
  try {
    let got = 0;
    while (got < size) {
      const region = out.region(size - got);
      let n: unknown = src.readInto(region, got);
      if (isPromiseLike(n)) n = yield n;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > region.length)
        throw new NarError("invalid-node", `content reader of '${where()}' returned ${n}`);
      if (n === 0)
        throw new NarError(
          "size-mismatch",
          `contents of file '${where()}' ended after ${got} bytes, declared size ${size}`,
        );
      out.advance(n);
      got += n;
      out.flushIfFull();
      if (out.ready.length > 0) yield FLUSH;
    }
  } finally {
    src.close?.();
  }
}

/** Copies a chunk stream into the output, checking it against the declared size. */
function* copyChunks(
  src: unknown,
  size: number,
  out: Output,
  where: () => string,
): Generator<Step, void, unknown> {
  let total = 0;
  const take = (c: unknown) => {
    if (!(c instanceof Uint8Array))
      throw new NarError("invalid-node", `contents of file '${where()}' yielded a non-Uint8Array`);
    total += c.length;
    if (total > size)
      throw new NarError(
        "size-mismatch",
        `contents of file '${where()}' are longer than the declared size ${size}`,
      );
    out.data(c);
  };
  if (src !== null && typeof src === "object" && Symbol.asyncIterator in src) {
    const it = (src as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const r = (yield it.next()) as IteratorResult<Uint8Array>;
        if (r.done) {
          done = true;
          break;
        }
        take(r.value);
        // Hand chunks out as they become ready: the driver drains `out.ready` between steps.
        if (out.ready.length > 0) yield FLUSH;
      }
    } finally {
      if (!done) Promise.resolve(it.return?.()).catch(() => {});
    }
  } else if (src !== null && typeof src === "object" && Symbol.iterator in src) {
    for (const c of src as Iterable<Uint8Array>) {
      take(c);
      if (out.ready.length > 0) yield FLUSH;
    }
  } else {
    throw new NarError("invalid-node", `file '${where()}' has unusable contents`);
  }
  if (total !== size)
    throw new NarError(
      "size-mismatch",
      `contents of file '${where()}' ended after ${total} bytes, declared size ${size}`,
    );
}

/** Writes a regular file from its type tag on, up to (not including) its closing `)`. */
function* writeFile(
  node: NarRegularInput,
  out: Output,
  path: readonly Uint8Array[],
): Generator<Step, void, unknown> {
  const where = () => showPath(path);
  let size = fileSize(node, where);
  let src: unknown = node.contents;
  if (typeof src === "function") {
    if (size === undefined)
      throw new NarError("invalid-node", `file '${where()}' has contents but no declared size`);
    src = (src as () => unknown)();
    if (isPromiseLike(src)) src = yield src;
  }
  if (src instanceof Uint8Array) size ??= src.length;
  if (size === undefined) throw new NarError("invalid-node", `file '${where()}' has no size`);
  out.put(node.executable ? TOK_EXE : TOK_REG);
  out.u64(size);
  if (src instanceof Uint8Array) {
    if (src.length !== size)
      throw new NarError(
        "size-mismatch",
        `file '${where()}' has ${src.length} bytes of contents but declared size ${size}`,
      );
    out.data(src);
  } else if (isContentReader(src)) {
    yield* readContents(src, size, out, where);
  } else {
    yield* copyChunks(src, size, out, where);
  }
  out.zeros(padLength(size));
}

/**
 * Writes the node at `path` (whose header up to and including `type` is already written).
 * Returns a frame for directories, which the caller walks.
 */
function* writeNode(
  input: NarEntryInput["node"],
  out: Output,
  path: Uint8Array[],
  maxDepth: number,
): Generator<Step, Frame | undefined, unknown> {
  if (path.length >= maxDepth)
    throw new NarError(
      "too-deep",
      `'${showPath(path)}' is nested deeper than the maximum depth ${maxDepth}`,
    );
  let node: unknown = input;
  if (typeof node === "function") {
    node = (node as () => unknown)();
    if (isPromiseLike(node)) node = yield node;
  }
  const n = node as NarNodeInput;
  switch (n?.type) {
    case "regular":
      yield* writeFile(n, out, path);
      out.put(TOK_PAR);
      return undefined;
    case "symlink": {
      const target = nameBytes(n.target);
      const why = invalidTargetReason(target);
      if (why) throw new NarError("invalid-target", `${why} for symlink '${showPath(path)}'`);
      out.put(TOK_SYM);
      out.string(target);
      out.put(TOK_PAR);
      return undefined;
    }
    case "directory": {
      out.put(TOK_DIR);
      const entries = yield* collectEntries(n, path);
      return { entries, i: 0, path };
    }
    default:
      throw new NarError(
        "invalid-node",
        `'${showPath(path)}' is not a regular file, symlink or directory node`,
      );
  }
}

function* walk(root: NarNodeInput, out: Output, maxDepth: number): Generator<Step, void, unknown> {
  out.put(TOK_NAR);
  const stack: Frame[] = [];
  const first = yield* writeNode(root, out, [], maxDepth);
  if (first) stack.push(first);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i === top.entries.length) {
      stack.pop();
      // Closes the directory, and then the entry holding it (unless it is the root).
      out.put(TOK_PAR);
      if (stack.length > 0) out.put(TOK_PAR);
      continue;
    }
    const e = top.entries[top.i++]!;
    out.put(TOK_ENT);
    out.string(e.name);
    out.put(TOK_NOD);
    const frame = yield* writeNode(e.node, out, [...top.path, e.name], maxDepth);
    if (frame) stack.push(frame);
    else out.put(TOK_PAR);
    out.flushIfFull();
    if (out.ready.length > 0) yield FLUSH;
  }
  out.finish();
}

function options(o: WriteNarOptions) {
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 64)
    throw new RangeError(`chunkSize must be an integer >= 64`);
  return {
    chunkSize,
    maxDepth: o.maxDepth ?? Number.POSITIVE_INFINITY,
    reuse: o.reuseBuffers === true,
  };
}

/**
 * Serialises a tree as a NAR, yielding large chunks. Errors (`NarError` for invalid trees,
 * whatever a content source throws) end the stream.
 */
export async function* writeNar(
  root: NarNodeInput,
  opts: WriteNarOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { chunkSize, maxDepth, reuse } = options(opts);
  const out = new Output(chunkSize, reuse);
  const gen = walk(root, out, maxDepth);
  let input: unknown;
  let failed = false;
  try {
    for (;;) {
      const r = failed ? gen.throw(input) : gen.next(input);
      failed = false;
      input = undefined;
      while (out.ready.length > 0) yield out.ready.shift()!;
      out.rewind();
      if (r.done) break;
      if (r.value === FLUSH) continue;
      try {
        input = await r.value;
      } catch (e) {
        input = e;
        failed = true;
      }
    }
  } finally {
    gen.return();
  }
}

/**
 * Serialises a tree into buffers handed out by `sink` (no chunks are produced). Resolves when
 * the NAR is complete; a rejected promise means the sink got an incomplete NAR.
 */
export async function writeNarToSink(
  root: NarNodeInput,
  sink: NarBufferSink,
  opts: Omit<WriteNarOptions, "reuseBuffers"> = {},
): Promise<void> {
  const { chunkSize, maxDepth } = options(opts);
  const out = new Output(chunkSize, false, sink);
  const gen = walk(root, out, maxDepth);
  let input: unknown;
  let failed = false;
  try {
    for (;;) {
      const r = failed ? gen.throw(input) : gen.next(input);
      failed = false;
      input = undefined;
      if (r.done) break;
      if (r.value === FLUSH) continue;
      try {
        input = await r.value;
      } catch (e) {
        input = e;
        failed = true;
      }
    }
  } finally {
    gen.return();
  }
}

/**
 * Serialises a fully synchronous tree (contents as Uint8Array, synchronous iterables or
 * synchronous content readers) into one Uint8Array. Throws a `NarError` with code "misuse" when
 * it meets anything asynchronous.
 */
export function writeNarSync(root: NarNodeInput, opts: WriteNarOptions = {}): Uint8Array {
  const { chunkSize, maxDepth } = options(opts);
  const out = new Output(chunkSize, false);
  const parts: Uint8Array[] = [];
  const gen = walk(root, out, maxDepth);
  for (;;) {
    const r = gen.next();
    parts.push(...out.ready.splice(0));
    if (r.done) break;
    if (r.value !== FLUSH) {
      gen.return();
      throw new NarError(
        "misuse",
        "writeNarSync needs a synchronous tree (found a promise or async iterable)",
      );
    }
  }
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const res = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    res.set(p, o);
    o += p.length;
  }
  return res;
}

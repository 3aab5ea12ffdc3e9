/**
 * NAR listings (spec §3.4): the `.ls` JSON that binary caches write beside NARs, describing the
 * tree and where each file's contents start in the uncompressed NAR (`narOffset`).
 *
 * `listNar` builds one from a NAR stream without keeping any contents. `serializeListing` writes
 * JSON byte-for-byte as Nix does: by default like Nix 2.8 (`nix copy ... write-nar-listing=1`,
 * `nix nar ls --json -R`: keys in insertion order, `{"version":1,"root":...}`), or with
 * `style: "sorted"` like current Nix/Hydra (nlohmann::json: keys sorted, `\b`/`\f` escapes).
 * Names are bytes; like Nix, non-UTF-8 names are written through unchanged.
 */
import { compareBytes, utf8Decode, utf8Encode } from "../bytes.ts";
import { NarError } from "./error.ts";
import { type NarParseEvent, NarParser, type NarParserOptions } from "./parser.ts";
import type { ChunkSource } from "./types.ts";
import { invalidNameReason, invalidTargetReason } from "./wire.ts";

export type ListingEntry = ListingRegular | ListingSymlink | ListingDirectory;

export interface ListingRegular {
  readonly type: "regular";
  readonly size: number;
  readonly executable: boolean;
  /** Offset of the first content byte in the uncompressed NAR. */
  readonly narOffset: number;
}

export interface ListingSymlink {
  readonly type: "symlink";
  readonly target: Uint8Array;
}

export interface ListingDirectory {
  readonly type: "directory";
  /** Sorted bytewise by name. */
  readonly entries: readonly ListingDirEntry[];
}

export interface ListingDirEntry {
  readonly name: Uint8Array;
  readonly entry: ListingEntry;
}

export interface NarListing {
  readonly version: 1;
  readonly root: ListingEntry;
}

/** Builds a listing from parser events (contents are ignored). */
class ListingBuilder {
  private readonly stack: { name: Uint8Array | undefined; entries: ListingDirEntry[] }[] = [];
  root: ListingEntry | undefined;

  private place(name: Uint8Array | undefined, entry: ListingEntry): void {
    const top = this.stack[this.stack.length - 1];
    if (top && name) top.entries.push({ name, entry });
    else this.root = entry;
  }

  add(ev: NarParseEvent): void {
    switch (ev.kind) {
      case "directory-start":
        this.stack.push({ name: ev.name, entries: [] });
        break;
      case "directory-end": {
        const d = this.stack.pop()!;
        this.place(d.name, { type: "directory", entries: d.entries });
        break;
      }
      case "symlink":
        this.place(ev.name, { type: "symlink", target: ev.target });
        break;
      case "file":
        this.place(ev.name, {
          type: "regular",
          size: ev.size,
          executable: ev.executable,
          narOffset: ev.narOffset,
        });
        break;
      default:
        break;
    }
  }
}

/** The listing of a NAR read from a stream (validating it fully; contents are skipped). */
export async function listNar(
  source: ChunkSource | Uint8Array,
  opts: NarParserOptions = {},
): Promise<NarListing> {
  const parser = new NarParser(opts);
  const b = new ListingBuilder();
  const events: NarParseEvent[] = [];
  const feed = (chunk: Uint8Array) => {
    events.length = 0;
    parser.push(chunk, events);
    for (const ev of events) if (ev.kind !== "data") b.add(ev);
  };
  if (source instanceof Uint8Array) feed(source);
  else if (Symbol.asyncIterator in source) {
    for await (const c of source) {
      feed(c);
      if (parser.done && opts.allowTrailing) break;
    }
  } else {
    for (const c of source) {
      feed(c);
      if (parser.done && opts.allowTrailing) break;
    }
  }
  parser.end();
  return { version: 1, root: b.root! };
}

// ---------------------------------------------------------------------------------------------
// Serialisation

export interface SerializeListingOptions {
  /**
   * "nix-2.8" (default): Nix 2.8's JSON writer, keys in insertion order.
   * "sorted": current Nix (nlohmann::json), keys sorted, as in Hydra's `.ls` files.
   */
  readonly style?: "nix-2.8" | "sorted";
}

class Bytes {
  buf = new Uint8Array(4096);
  n = 0;
  private grow(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  ascii(s: string): void {
    this.grow(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i);
  }
  /** A JSON string literal of raw bytes, escaped as the chosen Nix JSON writer escapes. */
  string(b: Uint8Array, sorted: boolean): void {
    this.grow(b.length * 6 + 2);
    const out = this.buf;
    let n = this.n;
    out[n++] = 0x22;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c === 0x22 || c === 0x5c) {
        out[n++] = 0x5c;
        out[n++] = c;
      } else if (c >= 0x20) {
        out[n++] = c;
      } else {
        out[n++] = 0x5c;
        const short =
          c === 0x0a
            ? 0x6e
            : c === 0x0d
              ? 0x72
              : c === 0x09
                ? 0x74
                : sorted && c === 0x08
                  ? 0x62
                  : sorted && c === 0x0c
                    ? 0x66
                    : 0;
        if (short) out[n++] = short;
        else {
          const hex = "0123456789abcdef";
          out[n++] = 0x75;
          out[n++] = 0x30;
          out[n++] = 0x30;
          out[n++] = hex.charCodeAt(c >> 4);
          out[n++] = hex.charCodeAt(c & 15);
        }
      }
    }
    out[n++] = 0x22;
    this.n = n;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

function writeEntry(out: Bytes, e: ListingEntry, sorted: boolean): void {
  switch (e.type) {
    case "regular":
      if (sorted) {
        out.ascii(e.executable ? `{"executable":true,` : "{");
        out.ascii(`"narOffset":${e.narOffset},"size":${e.size},"type":"regular"}`);
      } else {
        out.ascii(`{"type":"regular","size":${e.size}`);
        if (e.executable) out.ascii(`,"executable":true`);
        out.ascii(`,"narOffset":${e.narOffset}}`);
      }
      return;
    case "symlink":
      out.ascii(sorted ? `{"target":` : `{"type":"symlink","target":`);
      out.string(e.target, sorted);
      out.ascii(sorted ? `,"type":"symlink"}` : "}");
      return;
    case "directory": {
      out.ascii(sorted ? `{"entries":{` : `{"type":"directory","entries":{`);
      let first = true;
      for (const { name, entry } of e.entries) {
        if (!first) out.ascii(",");
        first = false;
        out.string(name, sorted);
        out.ascii(":");
        writeEntry(out, entry, sorted);
      }
      out.ascii(sorted ? `},"type":"directory"}` : "}}");
      return;
    }
  }
}

/** One entry as JSON, like `nix nar ls --json -R NAR PATH` prints it. */
export function serializeListingEntry(
  entry: ListingEntry,
  opts: SerializeListingOptions = {},
): Uint8Array {
  const out = new Bytes();
  writeEntry(out, entry, opts.style === "sorted");
  return out.result();
}

/** The `.ls` file bytes (no trailing newline, as Nix writes them). */
export function serializeListing(
  listing: NarListing,
  opts: SerializeListingOptions = {},
): Uint8Array {
  const sorted = opts.style === "sorted";
  const out = new Bytes();
  out.ascii(sorted ? `{"root":` : `{"version":1,"root":`);
  writeEntry(out, listing.root, sorted);
  out.ascii(sorted ? `,"version":1}` : "}");
  return out.result();
}

// ---------------------------------------------------------------------------------------------
// Parsing

function bad(msg: string): never {
  throw new NarError("invalid-listing", `invalid NAR listing: ${msg}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

function u64(x: unknown, what: string): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0)
    bad(`${what} must be a non-negative integer`);
  return x;
}

/**
 * Listings nested deeper are refused: `parseEntry` recurses, and at a few thousand levels the
 * stack runs out (a raw RangeError) before a larger limit would be reached. NARs themselves stop
 * at 64 levels in current CppNix (and in this package's reader by default).
 */
const MAX_LISTING_DEPTH = 512;

function parseEntry(x: unknown, where: string, depth: number): ListingEntry {
  if (depth > MAX_LISTING_DEPTH) bad(`nesting too deep at '${where}'`);
  if (!isObject(x)) bad(`entry '${where}' is not an object`);
  switch (x.type) {
    case "regular": {
      if (x.executable !== undefined && typeof x.executable !== "boolean")
        bad(`'executable' of '${where}' must be a boolean`);
      if (x.narOffset === undefined) bad(`regular file '${where}' has no 'narOffset'`);
      return {
        type: "regular",
        size: u64(x.size, `'size' of '${where}'`),
        executable: x.executable === true,
        narOffset: u64(x.narOffset, `'narOffset' of '${where}'`),
      };
    }
    case "symlink": {
      if (typeof x.target !== "string") bad(`symlink '${where}' has no string 'target'`);
      const target = utf8Encode(x.target);
      const why = invalidTargetReason(target);
      if (why) bad(`${why} ('${where}')`);
      return { type: "symlink", target };
    }
    case "directory": {
      if (!isObject(x.entries)) bad(`directory '${where}' has no 'entries' object`);
      const entries: ListingDirEntry[] = [];
      for (const [k, v] of Object.entries(x.entries)) {
        const name = utf8Encode(k);
        const why = invalidNameReason(name);
        if (why) bad(`${why} in '${where}'`);
        entries.push({ name, entry: parseEntry(v, where === "" ? k : `${where}/${k}`, depth + 1) });
      }
      entries.sort((a, b) => compareBytes(a.name, b.name));
      return { type: "directory", entries };
    }
    default:
      bad(`entry '${where}' has an unknown type ${JSON.stringify(x.type)}`);
  }
}

/** Parses `.ls` JSON (text or UTF-8 bytes). The version must be 1. */
export function parseListing(json: string | Uint8Array): NarListing {
  let text: string;
  if (typeof json === "string") text = json;
  else {
    try {
      text = utf8Decode(json);
    } catch {
      bad("not valid UTF-8");
    }
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    bad(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(v)) bad("not a JSON object");
  if (v.version !== 1) bad(`unsupported version ${JSON.stringify(v.version)} (expected 1)`);
  if (v.root === undefined) bad("no 'root'");
  return { version: 1, root: parseEntry(v.root, "", 0) };
}

// ---------------------------------------------------------------------------------------------
// Lookup

/**
 * The entry at `path` (relative, `/`-separated; `.` components ignored), or undefined when it
 * does not exist or passes through a non-directory. Absolute paths and `..` are rejected.
 */
export function locate(
  listing: NarListing | ListingEntry,
  path: string | Uint8Array,
): ListingEntry | undefined {
  let text: string;
  if (typeof path === "string") text = path;
  else {
    try {
      text = utf8Decode(path);
    } catch {
      throw new NarError("unsupported-path-component", "path is not valid UTF-8");
    }
  }
  if (text.startsWith("/"))
    throw new NarError("unsupported-path-component", `path '${text}' is absolute`);
  let cur: ListingEntry = "root" in listing ? listing.root : listing;
  for (const comp of text.split("/")) {
    if (comp === "" || comp === ".") continue;
    if (comp === "..")
      throw new NarError("unsupported-path-component", `path '${text}' contains '..'`);
    if (cur.type !== "directory") return undefined;
    const want = utf8Encode(comp);
    const found: ListingDirEntry | undefined = binarySearch(cur.entries, want);
    if (!found) return undefined;
    cur = found.entry;
  }
  return cur;
}

function binarySearch(
  entries: readonly ListingDirEntry[],
  name: Uint8Array,
): ListingDirEntry | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareBytes(entries[mid]!.name, name);
    if (c === 0) return entries[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

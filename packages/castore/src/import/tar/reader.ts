/**
 * A streaming tar reader: ustar, pax (`x` records for path, linkpath and size; `g` records are
 * skipped, as Tvix does), GNU long names (`L`, `K`) and GNU old-style sparse files (`S`, holes
 * expanded to zeros, map checked as tar-rs checks it). Each entry's body is streamed straight
 * from the source and must be consumed before asking for the next entry (anything left is
 * skipped). Memory stays at one source piece plus metadata records, which are capped; holes are
 * produced from one shared block of zeros, however large they are.
 */

import { ByteSource } from "../byte-source.ts";
import { ImportError } from "../errors.ts";
import { BLOCK, cString, HeaderError, isZeroBlock, parseHeader, parseNumber } from "./header.ts";
import { parsePax, paxNumber } from "./pax.ts";

export type TarEntryType =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "char-device"
  | "block-device"
  | "fifo"
  | "other";

export interface TarEntry {
  /** The path as stored (pax/GNU long names applied), raw bytes, not yet canonicalised. */
  readonly path: Uint8Array;
  readonly type: TarEntryType;
  /** The type flag character, for messages about `other` entries. */
  readonly typeFlag: string;
  readonly mode: number;
  /** Content length (for sparse files the expanded length). */
  readonly size: number;
  /** Symlink target or hardlink source; empty if none. */
  readonly linkName: Uint8Array;
  /** The content; only readable until the next entry is requested. */
  readonly body: AsyncIterable<Uint8Array>;
}

export interface ReadTarOptions {
  /** Largest pax / GNU long-name record accepted (default 1 MiB). */
  readonly maxMetadataSize?: number;
  /** Largest expanded size of a GNU sparse file (default 64 GiB; see `DEFAULT_MAX_SPARSE`). */
  readonly maxSparseFileSize?: number;
}

/**
 * A sparse file's holes cost nothing in the archive: a 1.5 KiB header can claim a petabyte of
 * zeros, which the importer would hash for days. Its data bytes are bounded by the input like
 * any file's, so only the expanded size needs a limit. A valid map cannot tell an attack from a
 * real disk image with few extents, so the bound is a generous default rather than a rule:
 * 64 GiB is far beyond what source tarballs hold, and importing that many zeros takes seconds
 * to minutes (hashing alone runs at about 4 GiB/s, a memory:// import of 8 GiB took 10 s), not
 * days; callers that expect bigger images raise it.
 */
const DEFAULT_MAX_SPARSE = 64 * 1024 ** 3;

interface Pending {
  path?: Uint8Array;
  linkName?: Uint8Array;
  size?: number;
}

function archiveError(message: string, offset: number): ImportError {
  return new ImportError("archive", `(archive offset ${offset})`, message);
}

const ZEROS = new Uint8Array(64 * 1024);

export async function* readTar(
  source: AsyncIterable<Uint8Array>,
  options: ReadTarOptions = {},
): AsyncGenerator<TarEntry> {
  const maxMeta = options.maxMetadataSize ?? 1024 * 1024;
  const maxSparse = options.maxSparseFileSize ?? DEFAULT_MAX_SPARSE;
  const src = new ByteSource(source);
  let pending: Pending = {};
  let generation = 0;

  /** Reads `n` bytes that must all be there. */
  const exact = async (n: number, what: string): Promise<Uint8Array> => {
    const b = await src.read(n);
    if (b.length !== n) throw archiveError(`truncated archive (in ${what})`, src.offset);
    return b;
  };
  const skipExact = async (n: number, what: string): Promise<void> => {
    if ((await src.skip(n)) !== n) throw archiveError(`truncated archive (in ${what})`, src.offset);
  };
  const padding = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;
  const metadata = async (size: number, what: string): Promise<Uint8Array> => {
    if (size > maxMeta)
      throw archiveError(`${what} record of ${size} bytes is too large`, src.offset);
    const data = (await exact(size, what)).slice();
    await skipExact(padding(size), what);
    return data;
  };

  try {
    for (;;) {
      const headerAt = src.offset;
      const first = await src.read(BLOCK);
      // End of stream at a block boundary ends the archive too (tar-rs accepts that).
      if (first.length === 0) return;
      if (first.length < BLOCK) throw archiveError("truncated header", headerAt);
      // One zero block marks the end; what follows (the second one, padding) is not read.
      if (isZeroBlock(first)) return;
      const block = first.slice();
      let h: ReturnType<typeof parseHeader>;
      try {
        h = parseHeader(block);
      } catch (e) {
        if (e instanceof HeaderError) throw archiveError(e.message, headerAt);
        throw e;
      }
      const flag = String.fromCharCode(h.typeFlag);
      try {
        if (flag === "x") {
          const records = parsePax(await metadata(h.size, "pax header"));
          for (const key of records.keys()) {
            if (key.startsWith("GNU.sparse.")) {
              throw new ImportError(
                "unsupported-file-type",
                showPath(records.get("path") ?? h.name),
                "pax sparse files are not supported",
              );
            }
          }
          const path = records.get("path");
          const link = records.get("linkpath");
          const size = records.get("size");
          if (path) pending.path = path;
          if (link) pending.linkName = link;
          if (size) pending.size = paxNumber(size, "size");
          continue;
        }
        if (flag === "g") {
          await skipExact(h.size + padding(h.size), "global pax header");
          continue;
        }
        if (flag === "L" || flag === "K") {
          const value = cString(await metadata(h.size, "GNU long name"), 0, h.size);
          if (flag === "L") pending.path = value;
          else pending.linkName = value;
          continue;
        }
      } catch (e) {
        if (e instanceof HeaderError) throw archiveError(e.message, headerAt);
        throw e;
      }

      const path = pending.path ?? h.name;
      const linkName = pending.linkName ?? h.linkName;
      const stored = pending.size ?? h.size;
      pending = {};
      const type = typeOf(flag, path);

      let size = stored;
      let body: () => AsyncGenerator<Uint8Array>;
      const gen = ++generation;
      const check = () => {
        if (gen !== generation)
          throw new Error("tar entry body read after moving to the next entry");
      };
      if (flag === "S") {
        let sparse: SparseMap;
        try {
          sparse = await readSparseMap(h.block, (n) => exact(n, "sparse map"));
          checkSparseMap(sparse, stored);
        } catch (e) {
          if (e instanceof HeaderError) throw archiveError(e.message, headerAt);
          throw e;
        }
        // Checked only once the map is known to be sound, so that this message means "a real,
        // big sparse file": the caller may raise the limit if it trusts the archive.
        if (sparse.realSize > maxSparse) {
          throw archiveError(
            `sparse file ${showPath(path)} expands to ${sparse.realSize} bytes, over the limit of ${maxSparse} (maxSparseFileSize)`,
            headerAt,
          );
        }
        size = sparse.realSize;
        const dataStart = src.offset;
        body = async function* () {
          check();
          let pos = 0;
          for (const seg of sparse.segments) {
            yield* zeros(seg.offset - pos);
            let got = 0;
            for await (const p of src.pieces(seg.size)) {
              check();
              got += p.length;
              yield p;
            }
            if (got !== seg.size)
              throw archiveError("truncated archive (in sparse data)", src.offset);
            pos = seg.offset + seg.size;
          }
          // No trailing hole to fill: checkSparseMap made the last segment end at the real size.
        };
        yield { path, type, typeFlag: flag, mode: h.mode, size, linkName, body: body() };
        const left = dataStart + stored - src.offset;
        await skipExact(left + padding(stored), "sparse data");
        continue;
      }

      const dataStart = src.offset;
      body = async function* () {
        check();
        const left = dataStart + stored - src.offset;
        let got = 0;
        for await (const p of src.pieces(left)) {
          check();
          got += p.length;
          yield p;
        }
        if (got !== left)
          throw archiveError(`truncated archive (in ${showPath(path)})`, src.offset);
      };
      yield { path, type, typeFlag: flag, mode: h.mode, size, linkName, body: body() };
      await skipExact(dataStart + stored - src.offset + padding(stored), showPath(path));
    }
  } finally {
    generation++;
    await src.close();
  }
}

function typeOf(flag: string, path: Uint8Array): TarEntryType {
  switch (flag) {
    case "0":
    case "\0":
      // Pre-POSIX archives mark directories only by a trailing slash.
      return path[path.length - 1] === 0x2f ? "directory" : "file";
    case "7":
    case "S":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "char-device";
    case "4":
      return "block-device";
    case "5":
      return "directory";
    case "6":
      return "fifo";
    default:
      return "other";
  }
}

interface SparseMap {
  readonly realSize: number;
  readonly segments: readonly { offset: number; size: number }[];
}

/**
 * GNU old-style sparse map: four (offset, numbytes) pairs in the header at 386, an
 * "is extended" flag at 482 and the real size at 483; extension blocks of 21 pairs each (flag at
 * 504) follow the header, before the data.
 */
async function readSparseMap(
  header: Uint8Array,
  read: (n: number) => Promise<Uint8Array>,
): Promise<SparseMap> {
  const segments: { offset: number; size: number }[] = [];
  const collect = (block: Uint8Array, start: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const at = start + i * 24;
      // GNU tar stops at an empty numbytes field, tar-rs skips entries with either field empty;
      // GNU tar writes used entries first, so for its archives both mean "no more here".
      if (block[at] === 0 || block[at + 12] === 0) break;
      segments.push({
        offset: parseNumber(block, at, 12, "sparse offset"),
        size: parseNumber(block, at + 12, 12, "sparse size"),
      });
    }
  };
  collect(header, 386, 4);
  const realSize = parseNumber(header, 483, 12, "sparse real size");
  let extended = header[482] !== 0;
  let blocks = 0;
  while (extended) {
    if (++blocks > 100_000) throw new HeaderError("sparse map too long");
    const ext = (await read(BLOCK)).slice();
    collect(ext, 0, 21);
    extended = ext[504] !== 0;
  }
  return { realSize, segments };
}

/**
 * Checks a sparse map against the entry's stored data as tar-rs (so Tvix) does, so that the
 * expansion holds exactly the archive's data bytes and nothing else (not the block padding, not
 * the next header):
 * - segments are sorted and do not overlap;
 * - their sizes add up to the stored size. GNU tar always writes it so, and its extractor skips
 *   unreferenced data silently, but tar-rs and Go reject both more and less; a shorter map would
 *   hide stored bytes, so it is refused too;
 * - every segment but the last holds whole blocks: GNU tar's extractor reads each segment from
 *   blocks of its own, this reader (like tar-rs and Go) reads the data as one run, and the two
 *   agree only then (GNU tar only writes such maps: it finds data in whole blocks, so only
 *   the segment at the end of the file can be short);
 * - the last segment ends at the real size: GNU tar marks a trailing hole with an empty segment
 *   there, so the map always describes the whole file (tar-rs requires it too).
 */
function checkSparseMap(map: SparseMap, stored: number): void {
  let end = 0;
  let data = 0;
  for (const s of map.segments) {
    if (s.offset < end) throw new HeaderError("sparse map out of order or overlapping");
    if (s.size > 0 && data % BLOCK !== 0) {
      throw new HeaderError("sparse data segment does not start at a 512-byte block");
    }
    end = s.offset + s.size;
    if (!Number.isSafeInteger(end)) throw new HeaderError("sparse segment end too large");
    data += s.size;
    // Stop before adding up more: the sizes alone already claim bytes past the entry.
    if (data > stored) break;
  }
  if (data !== stored) {
    throw new HeaderError(
      `sparse map ${data > stored ? "claims more than" : "does not cover"} the ${stored} bytes of stored data`,
    );
  }
  if (end !== map.realSize) {
    throw new HeaderError(`sparse map ends at ${end}, not at the real size ${map.realSize}`);
  }
}

/**
 * `n` zero bytes as views of one shared block, so that memory does not grow with the hole (the
 * consumer must not write into the pieces, as with any piece of the source).
 */
async function* zeros(n: number): AsyncGenerator<Uint8Array> {
  for (let left = n; left > 0; left -= ZEROS.length) {
    yield ZEROS.subarray(0, Math.min(left, ZEROS.length));
  }
}

export function showPath(p: Uint8Array): string {
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("utf8");
}

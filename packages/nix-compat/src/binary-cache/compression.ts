/**
 * Compression methods of a Nix binary cache (narinfo `Compression:`) and the file extension
 * CppNix gives compressed NARs (`nar/<hash>.nar<ext>`).
 */

/** The names CppNix accepts in narinfo `Compression:` (current CppNix rejects any other). */
export const COMPRESSION_METHODS = [
  "none",
  "br",
  "bzip2",
  "compress",
  "grzip",
  "gzip",
  "lrzip",
  "lz4",
  "lzip",
  "lzma",
  "lzop",
  "xz",
  "zstd",
] as const;

export type CompressionMethod = (typeof COMPRESSION_METHODS)[number];

/** What a narinfo without a `Compression:` line (or with an empty one) means. */
export const DEFAULT_COMPRESSION: CompressionMethod = "bzip2";

const METHODS: ReadonlySet<string> = new Set(COMPRESSION_METHODS);

export function isCompressionMethod(s: string): s is CompressionMethod {
  return METHODS.has(s);
}

/**
 * Extension CppNix appends to `.nar` when it writes a NAR with this compression. Only seven
 * methods get one; the others (gzip, lzma, ...) are written without an extension, as CppNix does.
 */
const EXTENSIONS: Readonly<Partial<Record<CompressionMethod, string>>> = {
  none: "",
  xz: ".xz",
  bzip2: ".bz2",
  zstd: ".zst",
  lzip: ".lzip",
  lz4: ".lz4",
  br: ".br",
};

export function compressionExtension(method: CompressionMethod): string {
  return EXTENSIONS[method] ?? "";
}

/** The compression an extension stands for (`""` → none, `.xz` → xz, ...); undefined if unknown. */
export function compressionForExtension(ext: string): CompressionMethod | undefined {
  for (const m of COMPRESSION_METHODS) {
    if (EXTENSIONS[m] === ext) return m;
  }
  return undefined;
}

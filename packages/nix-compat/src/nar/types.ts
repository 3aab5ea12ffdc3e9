/**
 * The shapes of NAR trees. Names and symlink targets are bytes, because file names need not be
 * UTF-8; the writer also accepts JS strings, which it encodes as UTF-8.
 */

export type Awaitable<T> = T | PromiseLike<T>;
/** A stream of bytes, synchronous or asynchronous. */
export type ChunkSource = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
/** A file or entry name, or a symlink target: raw bytes, or a string taken as UTF-8. */
export type NarName = Uint8Array | string;

/** A regular file to write. */
export interface NarRegularInput {
  readonly type: "regular";
  readonly executable?: boolean;
  /**
   * Declared size in bytes: written before the contents and checked against them. Required when
   * `contents` is a function; defaults to the length when `contents` is a Uint8Array.
   */
  readonly size?: number | bigint;
  /**
   * The bytes, or a function opening them (called once, when the writer reaches the file): a
   * stream of chunks, or a reader that fills the writer's own buffers (no intermediate copy).
   */
  readonly contents: Uint8Array | (() => Awaitable<ChunkSource | Uint8Array | NarContentReader>);
}

/**
 * File contents read into buffers the writer provides ("bring your own buffer"), so bytes go
 * from their source straight into the output batch.
 */
export interface NarContentReader {
  /**
   * Reads up to `into.length` bytes, starting `position` bytes into the file, into `into`.
   * Returns how many were read; 0 means the file ended early (an error).
   */
  readInto(into: Uint8Array, position: number): number | PromiseLike<number>;
  /** Called exactly once when the writer is done with the file, also after errors. */
  close?(): void;
}

export interface NarSymlinkInput {
  readonly type: "symlink";
  readonly target: NarName;
}

/** Entries in any order: the writer sorts them bytewise and rejects duplicates. */
export type NarEntriesInput = Iterable<NarEntryInput> | AsyncIterable<NarEntryInput>;

export interface NarDirectoryInput {
  readonly type: "directory";
  /** The entries, or a function listing them (called once, when the writer reaches the directory). */
  readonly entries: NarEntriesInput | (() => Awaitable<NarEntriesInput>);
}

export interface NarEntryInput {
  readonly name: NarName;
  /** The node, or a function producing it lazily (called once, in NAR order). */
  readonly node: NarNodeInput | (() => Awaitable<NarNodeInput>);
}

/** Writer input: an abstract tree, possibly lazy and asynchronous. */
export type NarNodeInput = NarRegularInput | NarSymlinkInput | NarDirectoryInput;

/** A fully in-memory tree, as `parseNar` returns it (also valid writer input). */
export type NarNode = NarRegular | NarSymlink | NarDirectory;

export interface NarRegular {
  readonly type: "regular";
  readonly executable: boolean;
  readonly contents: Uint8Array;
}

export interface NarSymlink {
  readonly type: "symlink";
  readonly target: Uint8Array;
}

export interface NarDirectory {
  readonly type: "directory";
  /** Sorted bytewise by name, no duplicates. */
  readonly entries: readonly NarEntry[];
}

export interface NarEntry {
  readonly name: Uint8Array;
  readonly node: NarNode;
}

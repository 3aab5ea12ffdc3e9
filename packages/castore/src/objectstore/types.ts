/**
 * A minimal object store: whole objects by key, written atomically (an object is either absent
 * or complete). The objectstore-backed blob and directory services are written against this, so
 * local files, memory and S3 are interchangeable underneath them.
 */
export interface ObjectStore {
  /** The object's bytes, or undefined if absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<boolean>;
  /** Stores an object; readers see either nothing or all of `data`. */
  put(key: string, data: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** The file holding the object, for stores that keep objects as local files. */
  localPath?(key: string): string;
  /**
   * For stores that keep objects as local files: the root directory, once it is ready for a
   * `FileObjectWriter` (file.ts) in another thread to store objects into.
   */
  localWriteRoot?(): Promise<string>;
}

/** Keys are relative `/`-separated paths without empty, `.` or `..` segments. */
export function checkKey(key: string): void {
  for (const seg of key.split("/")) {
    if (seg === "" || seg === "." || seg === "..") throw new Error(`invalid object key: ${key}`);
  }
}

/** `<prefix>/b3/<first 4 hex chars>/<hex>`: Tvix shards by the first two digest bytes. */
export function shardedKey(prefix: string, hex: string): string {
  return `${prefix}/b3/${hex.slice(0, 4)}/${hex}`;
}

/**
 * NARs uploaded but not yet claimed by a narinfo (castore-store.md §13.2): NAR hash -> root node
 * and size, also findable by the hash of the uploaded (compressed) file, which is what the
 * narinfo's URL names (and what Nix, having cached the narinfo it uploaded, downloads). Bounded LRU in memory, like Tvix's (the narinfo follows its NAR soon).
 */
import type { Node } from "@tvix-ts/castore";
import type { NarCompression } from "../decompress.ts";

export interface PendingNar {
  readonly node: Node;
  readonly narSize: number;
  readonly narSha256: Uint8Array;
}

export interface UploadedFile extends PendingNar {
  /** How the uploaded file was compressed (its name's extension). */
  readonly compression: NarCompression;
}

export class PendingNars {
  readonly #byNarHash = new Map<string, PendingNar>();
  readonly #files = new Map<string, UploadedFile>();
  readonly #capacity: number;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  add(fileSha256: Uint8Array, nar: PendingNar, compression: NarCompression): void {
    const key = Buffer.from(nar.narSha256).toString("hex");
    this.#byNarHash.delete(key);
    this.#byNarHash.set(key, nar);
    const fk = Buffer.from(fileSha256).toString("hex");
    this.#files.delete(fk);
    this.#files.set(fk, { ...nar, compression });
    while (this.#byNarHash.size > this.#capacity) {
      this.#byNarHash.delete(this.#byNarHash.keys().next().value!);
    }
    while (this.#files.size > this.#capacity) {
      this.#files.delete(this.#files.keys().next().value!);
    }
  }

  byNarHash(narSha256: Uint8Array): PendingNar | undefined {
    return this.#byNarHash.get(Buffer.from(narSha256).toString("hex"));
  }

  /**
   * An uploaded file by the hash in its name. Kept after its narinfo arrived: Nix remembers the
   * narinfo it uploaded (with this file's URL) and asks for exactly that file later.
   */
  byFileHash(fileSha256: Uint8Array): UploadedFile | undefined {
    return this.#files.get(Buffer.from(fileSha256).toString("hex"));
  }
}

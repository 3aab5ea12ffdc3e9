/** In-memory ObjectStore (`objectstore+memory:///`), mostly for tests. */
import { checkKey, type ObjectStore } from "./types.ts";

export class MemoryObjectStore implements ObjectStore {
  readonly #objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#objects.get(key);
  }
  async head(key: string): Promise<boolean> {
    return this.#objects.has(key);
  }
  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(key);
    this.#objects.set(key, data.slice());
  }
  async delete(key: string): Promise<void> {
    this.#objects.delete(key);
  }
}

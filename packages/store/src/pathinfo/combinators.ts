/**
 * Combinators over PathInfoServices (castore-store.md §5, like castore's):
 * - `cache`: near, then far; a far hit is copied into near (no negative caching). Writes go to
 *   far and then near (Tvix leaves put unimplemented; write-through keeps both usable). Lists
 *   come from far.
 * - `priority`: tried in order, the first that has the path answers; writes and lists go to the
 *   first.
 * - `race`: asked at once, the first positive answer wins; writes and lists go to the first.
 * A failing service cannot vouch for absence: if nobody has the path and one failed, its error
 * is thrown.
 */
import type { PathInfo } from "../path-info/path-info.ts";
import type { NarCalculationService, PathInfoService } from "./types.ts";

export class CachePathInfoService implements PathInfoService {
  readonly near: PathInfoService;
  readonly far: PathInfoService;

  constructor(near: PathInfoService, far: PathInfoService) {
    this.near = near;
    this.far = far;
  }

  async get(digest: Uint8Array): Promise<PathInfo | undefined> {
    const hit = await this.near.get(digest);
    if (hit) return hit;
    const info = await this.far.get(digest);
    if (info) await this.near.put(info);
    return info;
  }

  async put(info: PathInfo): Promise<PathInfo> {
    const stored = await this.far.put(info);
    await this.near.put(stored);
    return stored;
  }

  list(): AsyncIterable<PathInfo> {
    return this.far.list();
  }

  narCalculationService(): NarCalculationService | undefined {
    return this.far.narCalculationService?.();
  }

  async close(): Promise<void> {
    await this.near.close();
    await this.far.close();
  }
}

export class PriorityPathInfoService implements PathInfoService {
  readonly services: readonly PathInfoService[];

  constructor(services: readonly PathInfoService[]) {
    if (services.length === 0) throw new RangeError("priority needs at least one service");
    this.services = services;
  }

  async get(digest: Uint8Array): Promise<PathInfo | undefined> {
    let failure: { error: unknown } | undefined;
    for (const s of this.services) {
      try {
        const info = await s.get(digest);
        if (info) return info;
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return undefined;
  }

  put(info: PathInfo): Promise<PathInfo> {
    return this.services[0]!.put(info);
  }

  list(): AsyncIterable<PathInfo> {
    return this.services[0]!.list();
  }

  async close(): Promise<void> {
    for (const s of this.services) await s.close();
  }
}

export class RacePathInfoService implements PathInfoService {
  readonly services: readonly PathInfoService[];

  constructor(services: readonly PathInfoService[]) {
    if (services.length === 0) throw new RangeError("race needs at least one service");
    this.services = services;
  }

  get(digest: Uint8Array): Promise<PathInfo | undefined> {
    return new Promise((resolve, reject) => {
      let pending = this.services.length;
      let decided = false;
      let failure: { error: unknown } | undefined;
      const settle = () => {
        if (--pending > 0 || decided) return;
        decided = true;
        if (failure) reject(failure.error);
        else resolve(undefined);
      };
      for (const s of this.services) {
        s.get(digest).then(
          (info) => {
            if (info === undefined) return settle();
            if (!decided) {
              decided = true;
              resolve(info);
            }
          },
          (error) => {
            failure ??= { error };
            settle();
          },
        );
      }
    });
  }

  put(info: PathInfo): Promise<PathInfo> {
    return this.services[0]!.put(info);
  }

  list(): AsyncIterable<PathInfo> {
    return this.services[0]!.list();
  }

  async close(): Promise<void> {
    for (const s of this.services) await s.close();
  }
}

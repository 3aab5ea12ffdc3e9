/**
 * The PathInfoService contract (castore-store.md §10): store path digest -> PathInfo. Absent
 * paths are `undefined`, never errors. `put` returns what was stored, which may carry more
 * signatures than what was given (signing wrappers).
 */
import type { Node } from "@tvix-ts/castore";
import type { PathInfo } from "../path-info/path-info.ts";

/** NAR size and sha256 of a castore tree. */
export interface NarCalculation {
  readonly narSize: number;
  readonly narSha256: Uint8Array;
}

export interface NarCalculationService {
  calculateNar(root: Node): Promise<NarCalculation>;
}

export interface PathInfoService {
  /** The PathInfo of the store path with this 20-byte digest. */
  get(digest: Uint8Array): Promise<PathInfo | undefined>;
  put(info: PathInfo): Promise<PathInfo>;
  /** Every PathInfo (order unspecified). Backends that cannot list fail with `unsupported`. */
  list(): AsyncIterable<PathInfo>;
  /**
   * A service that computes NAR hashes where the data lives (the gRPC client: the remote
   * daemon renders the NAR). Undefined means "render locally".
   */
  narCalculationService?(): NarCalculationService | undefined;
  close(): Promise<void>;
}

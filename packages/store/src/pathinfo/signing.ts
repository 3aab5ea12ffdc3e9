/**
 * Signing wrapper (Tvix `keyfile-signing`, castore-store.md §10.2): every put is signed with a
 * Nix secret key (the file `nix-store --generate-binary-cache-key` writes) before it goes to
 * the inner service. Unlike Tvix, a signature that is already there is not added twice.
 * Paths with NAR size 0 cannot be fingerprinted (CppNix refuses too) and are refused.
 */
import { readFileSync } from "node:fs";
import { parseSigningKey, type SigningKey } from "@tvix-ts/nix-compat";
import { PathInfoServiceError } from "../errors.ts";
import type { PathInfo } from "../path-info/path-info.ts";
import type { NarCalculationService, PathInfoService } from "./types.ts";

export class SigningPathInfoService implements PathInfoService {
  readonly inner: PathInfoService;
  readonly key: SigningKey;

  constructor(inner: PathInfoService, key: SigningKey) {
    this.inner = inner;
    this.key = key;
  }

  /** Reads the key file once (whitespace around the key is ignored). */
  static fromKeyFile(inner: PathInfoService, keyFile: string): SigningPathInfoService {
    return new SigningPathInfoService(inner, parseSigningKey(readFileSync(keyFile, "utf8")));
  }

  get(digest: Uint8Array): Promise<PathInfo | undefined> {
    return this.inner.get(digest);
  }

  put(info: PathInfo): Promise<PathInfo> {
    let signed: PathInfo;
    try {
      signed = info.sign(this.key);
    } catch (e) {
      throw new PathInfoServiceError(
        "invalid-request",
        `cannot sign ${info.storePath.baseName}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    return this.inner.put(signed);
  }

  list(): AsyncIterable<PathInfo> {
    return this.inner.list();
  }

  narCalculationService(): NarCalculationService | undefined {
    return this.inner.narCalculationService?.();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

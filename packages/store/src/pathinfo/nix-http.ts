/**
 * `nix+http(s)://CACHE?trusted-public-keys=...` (castore-store.md §10.1): a PathInfoService over
 * any Nix binary cache. `get` fetches the narinfo, checks a signature against the trusted keys
 * (when any are configured), fetches and decompresses the NAR (none, xz, bzip2, zstd, gzip,
 * brotli), ingests it into castore while hashing, and checks NarSize and NarHash.
 *
 * Unlike Tvix, references are resolved too, so the PathInfo carries each reference's root node:
 * a reference we already hold (in `local`) is used as is — after the frankenbuild check — and a
 * missing one is fetched from the cache the same way and recorded in `local`. The frankenbuild
 * check compares the NAR hash we hold for a reference with the cache's narinfo for it: a
 * difference means the cache's path was built against different contents than ours. In
 * `strict` mode that is a `FrankenbuildError` naming both sides; `warn` reports it and goes on.
 *
 * The base URL is used as a directory (a missing trailing `/` is added, unlike Tvix's plain URL
 * join that drops the last segment). HTTP 404 and 403 (S3) mean "absent". `put` and `list` are
 * unsupported.
 */
import type { BlobService, DirectoryService, Node } from "@tvix-ts/castore";
import {
  isNarInfoTrusted,
  type NarInfo,
  NixCompatError,
  nixbase32,
  parseNarInfo,
  type VerifyingKey,
} from "@tvix-ts/nix-compat";
import { decompressAs, narCompression } from "../decompress.ts";
import { FrankenbuildError, NarIngestError, PathInfoServiceError, StoreError } from "../errors.ts";
import { ingestNar } from "../nar/ingest.ts";
import { PathInfo, type PathInfoReference } from "../path-info/path-info.ts";
import { checkDigest } from "./digest.ts";
import { MemoryPathInfoService } from "./memory.ts";
import type { PathInfoService } from "./types.ts";

export type FrankenbuildMode = "strict" | "warn" | "off";

export interface NixHttpOptions {
  /** `http(s)://host/path`: the cache root. */
  readonly baseUrl: string;
  /** When given, every narinfo needs a signature one of these keys verifies. */
  readonly publicKeys?: readonly VerifyingKey[];
  readonly blobService: BlobService;
  readonly directoryService: DirectoryService;
  /**
   * What we already hold: references found here are not fetched again (but checked), and
   * references fetched from the cache are recorded here. Default: a private in-memory store.
   */
  readonly local?: PathInfoService;
  /** Default `strict`. */
  readonly frankenbuild?: FrankenbuildMode;
  /** Where `warn` mode reports (default: stderr). */
  readonly warn?: (message: string) => void;
  readonly fetch?: typeof fetch;
}

function fail(
  message: string,
  kind: "backend" | "integrity" | "invalid-request" = "backend",
  cause?: unknown,
): never {
  throw new PathInfoServiceError(kind, message, cause === undefined ? undefined : { cause });
}

export class NixHttpPathInfoService implements PathInfoService {
  readonly baseUrl: URL;
  readonly #o: NixHttpOptions;
  readonly #local: PathInfoService;
  readonly #fetch: typeof fetch;
  /** Paths being fetched right now: a diamond in a closure is fetched once. */
  readonly #inFlight = new Map<string, Promise<PathInfo | undefined>>();

  constructor(o: NixHttpOptions) {
    const u = new URL(o.baseUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw new StoreError("invalid-url", `not an http(s) URL: ${o.baseUrl}`);
    }
    u.search = "";
    u.hash = "";
    if (!u.pathname.endsWith("/")) u.pathname += "/";
    this.baseUrl = u;
    this.#o = o;
    this.#local = o.local ?? new MemoryPathInfoService();
    this.#fetch = o.fetch ?? fetch;
  }

  get(digest: Uint8Array): Promise<PathInfo | undefined> {
    const key = nixbase32.encode(checkDigest(digest));
    let p = this.#inFlight.get(key);
    if (!p) {
      p = this.#get(key).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, p);
    }
    return p;
  }

  async #request(path: string): Promise<Response | undefined> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await this.#fetch(url);
    } catch (e) {
      fail(`cannot reach ${url}: ${(e as Error).message}`, "backend", e);
    }
    if (res.status === 404 || res.status === 403) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      fail(`${url}: HTTP ${res.status}`);
    }
    return res;
  }

  /** The cache's narinfo for a hash part, signature-checked; undefined when absent. */
  async narInfo(hashPart: string): Promise<NarInfo | undefined> {
    const res = await this.#request(`${hashPart}.narinfo`);
    if (!res) return undefined;
    let ni: NarInfo;
    try {
      ni = parseNarInfo(await res.text());
    } catch (e) {
      if (!(e instanceof NixCompatError)) throw e;
      fail(`invalid narinfo ${hashPart}.narinfo: ${e.message}`, "integrity", e);
    }
    if (ni.storePath.hashPart !== hashPart) {
      fail(`${hashPart}.narinfo describes ${ni.storePath.baseName}`, "integrity");
    }
    const keys = this.#o.publicKeys;
    if (keys && keys.length > 0 && !isNarInfoTrusted(ni, keys)) {
      fail(`no valid signature found for ${ni.storePath.baseName}`, "integrity");
    }
    return ni;
  }

  async #get(hashPart: string): Promise<PathInfo | undefined> {
    const ni = await this.narInfo(hashPart);
    if (!ni) return undefined;
    const references = await this.#references(ni);
    const node = await this.#ingest(ni);
    return new PathInfo({
      storePath: ni.storePath,
      node,
      references: references.map((r) => (r === "self" ? { path: ni.storePath, node } : r)),
      narSize: ni.narSize,
      narSha256: ni.narHash.digest,
      signatures: ni.signatures,
      deriver: ni.deriver,
      ca: ni.ca,
    });
  }

  /** Each reference with its root node: held (and checked) or fetched and recorded. */
  async #references(ni: NarInfo): Promise<(PathInfoReference | "self")[]> {
    return Promise.all(
      ni.references.map(async (ref): Promise<PathInfoReference | "self"> => {
        if (ref.hashPart === ni.storePath.hashPart) return "self";
        const held = await this.#local.get(ref.digest);
        if (held) {
          await this.#checkFrankenbuild(ni, held);
          return { path: ref, node: held.node };
        }
        const fetched = await this.get(ref.digest);
        if (!fetched) {
          fail(
            `${ni.storePath.baseName} refers to ${ref.baseName}, which the cache does not have`,
            "integrity",
          );
        }
        if (!fetched.storePath.equals(ref)) {
          fail(
            `${ref.hashPart}.narinfo is for ${fetched.storePath.baseName}, not ${ref.baseName}`,
            "integrity",
          );
        }
        await this.#local.put(fetched);
        return { path: ref, node: fetched.node };
      }),
    );
  }

  async #checkFrankenbuild(ni: NarInfo, held: PathInfo): Promise<void> {
    const mode = this.#o.frankenbuild ?? "strict";
    if (mode === "off") return;
    const theirs = await this.narInfo(held.storePath.hashPart);
    if (!theirs || theirs.narHash.equals(held.narHash)) return;
    const err = new FrankenbuildError(
      ni.storePath.toAbsolutePath(),
      held.storePath.toAbsolutePath(),
      held.narHash.toNixBase32String(),
      theirs.narHash.toNixBase32String(),
    );
    if (mode === "strict") throw err;
    (this.#o.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(err.message);
  }

  async #ingest(ni: NarInfo): Promise<Node> {
    const method = narCompression(ni.compression);
    if (!method) fail(`unsupported compression: ${ni.compression}`, "integrity");
    const res = await this.#request(ni.url);
    if (!res?.body) fail(`unable to retrieve NAR at ${new URL(ni.url, this.baseUrl)}`);
    try {
      const { node } = await ingestNar(
        this.#o.blobService,
        this.#o.directoryService,
        decompressAs(method, res.body as AsyncIterable<Uint8Array>),
        { expectedSha256: ni.narHash.digest, expectedSize: ni.narSize },
      );
      return node;
    } catch (e) {
      if (e instanceof NarIngestError && e.code === "upload") {
        fail(`storing ${ni.storePath.baseName} failed: ${e.message}`, "backend", e);
      }
      if (e instanceof NarIngestError || e instanceof StoreError) {
        fail(`NAR of ${ni.storePath.baseName} from ${ni.url}: ${e.message}`, "integrity", e);
      }
      throw e;
    } finally {
      await res.body.cancel().catch(() => {});
    }
  }

  async put(): Promise<PathInfo> {
    throw new PathInfoServiceError("unsupported", "put not supported for this backend");
  }

  // biome-ignore lint/correctness/useYield: list is unsupported; the error is the stream's only item
  async *list(): AsyncGenerator<PathInfo> {
    throw new PathInfoServiceError("unsupported", "list not supported for this backend");
  }

  async close(): Promise<void> {}
}

/**
 * PathInfo (castore-store.md §9.2): what the store knows about one store path — its root
 * castore node, references, NAR size and sha256, deriver, signatures and content address.
 *
 * Instances are always valid: the constructor checks every field and throws `PathInfoError`.
 * Beyond Tvix, each reference may carry the root node of the referenced path, so a closure can
 * be walked (and rendered) from PathInfos alone without a lookup per path.
 */
import { type Node, ValidationError, validateNode } from "@tvix-ts/castore";
import {
  type ContentAddress,
  type NarInfo,
  NixHash,
  narInfoFingerprint,
  type Signature,
  type SigningKey,
  StorePath,
} from "@tvix-ts/nix-compat";
import { PathInfoError } from "../errors.ts";

export const NAR_SHA256_LEN = 32;

/** A reference: the referenced store path and, when known, its root node. */
export interface PathInfoReference {
  readonly path: StorePath;
  readonly node: Node | undefined;
}

export interface PathInfoInit {
  readonly storePath: StorePath;
  readonly node: Node;
  /** Store paths, or references with their root nodes; kept in the given order. */
  readonly references?: readonly (StorePath | PathInfoReference)[];
  readonly narSize: number;
  readonly narSha256: Uint8Array;
  readonly signatures?: readonly Signature[];
  /** The `.drv` path that produced this one (with its `.drv` suffix). */
  readonly deriver?: StorePath;
  readonly ca?: ContentAddress;
}

const enc = new TextEncoder();

function checkNode(node: Node, what: string): Node {
  try {
    return validateNode(enc.encode(what), node);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new PathInfoError("InvalidRootNode", `invalid root node of ${what}: ${e.message}`, {
      cause: e,
    });
  }
}

export class PathInfo {
  readonly storePath: StorePath;
  readonly node: Node;
  readonly references: readonly PathInfoReference[];
  readonly narSize: number;
  readonly narSha256: Uint8Array;
  readonly signatures: readonly Signature[];
  readonly deriver: StorePath | undefined;
  readonly ca: ContentAddress | undefined;

  constructor(init: PathInfoInit) {
    if (!(init.storePath instanceof StorePath)) {
      throw new PathInfoError("InvalidNodeName", "storePath must be a StorePath");
    }
    this.storePath = init.storePath;
    const base = init.storePath.baseName;
    this.node = checkNode(init.node, base);
    if (!Number.isSafeInteger(init.narSize) || init.narSize < 0) {
      throw new PathInfoError("InvalidNarSize", `${base}: invalid NAR size ${init.narSize}`);
    }
    this.narSize = init.narSize;
    if (!(init.narSha256 instanceof Uint8Array) || init.narSha256.length !== NAR_SHA256_LEN) {
      throw new PathInfoError(
        "InvalidNarSha256DigestLen",
        `${base}: invalid NAR sha256 digest length ${init.narSha256?.length}`,
      );
    }
    this.narSha256 = init.narSha256;
    this.references = (init.references ?? []).map((r, i) => {
      const ref = r instanceof StorePath ? { path: r, node: undefined } : r;
      if (!(ref.path instanceof StorePath)) {
        throw new PathInfoError(
          "InvalidNarinfoReferenceName",
          `${base}: reference ${i} is not a store path`,
        );
      }
      const node = ref.node === undefined ? undefined : checkNode(ref.node, ref.path.baseName);
      return Object.freeze({ path: ref.path, node });
    });
    this.signatures = [...(init.signatures ?? [])];
    this.deriver = init.deriver;
    this.ca = init.ca;
    Object.freeze(this.references);
    Object.freeze(this.signatures);
  }

  /** `sha256:<nixbase32>` as NixHash. */
  get narHash(): NixHash {
    return new NixHash("sha256", this.narSha256);
  }

  /** True when every reference carries its root node. */
  get referenceNodesComplete(): boolean {
    return this.references.every((r) => r.node !== undefined);
  }

  /** A copy with some fields replaced. */
  with(changes: Partial<PathInfoInit>): PathInfo {
    return new PathInfo({ ...this.#init(), ...changes });
  }

  #init(): PathInfoInit {
    return {
      storePath: this.storePath,
      node: this.node,
      references: this.references,
      narSize: this.narSize,
      narSha256: this.narSha256,
      signatures: this.signatures,
      deriver: this.deriver,
      ca: this.ca,
    };
  }

  /**
   * The narinfo for this path (URL given by the caller, uncompressed), with references and
   * signatures in their stored order (Tvix's `to_narinfo`).
   */
  toNarInfo(url: string): NarInfo {
    return {
      storePath: this.storePath,
      url,
      compression: "none",
      fileHash: undefined,
      fileSize: undefined,
      narHash: this.narHash,
      narSize: this.narSize,
      references: this.references.map((r) => r.path),
      deriver: this.deriver,
      system: undefined,
      signatures: [...this.signatures],
      ca: this.ca,
      extraFields: [],
    };
  }

  /** The string binary-cache signatures sign (CppNix's: references sorted). */
  fingerprint(): string {
    return narInfoFingerprint({
      storePath: this.storePath,
      narHash: this.narHash,
      narSize: this.narSize,
      references: this.references.map((r) => r.path),
    });
  }

  /**
   * A copy signed with `key` (appended; an identical signature already present is not
   * repeated, as CppNix keeps them in a set).
   */
  sign(key: SigningKey): PathInfo {
    const sig = key.sign(this.fingerprint());
    if (this.signatures.some((s) => s.equals(sig))) return this;
    return this.with({ signatures: [...this.signatures, sig] });
  }

  /** A copy whose references carry the given root nodes (looked up by base name). */
  withReferenceNodes(lookup: (ref: StorePath) => Node | undefined): PathInfo {
    return this.with({
      references: this.references.map((r) => ({ path: r.path, node: r.node ?? lookup(r.path) })),
    });
  }
}

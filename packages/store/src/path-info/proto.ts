/**
 * PathInfo <-> protobuf `tvix.store.v1.PathInfo` (castore-store.md §9.1, §9.3).
 *
 * `pathInfoFromProto` validates in Tvix's order and rejects every invalid message with a
 * `PathInfoError` whose code is Tvix's variant name; `pathInfoToProto` is total (a PathInfo is
 * valid by construction). The CA is carried as (enum, raw digest), never as text; NAR_SHA256 is
 * the enum's zero value and so is omitted on the wire, exactly as Tvix writes it.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  anonymousNodeFromProto,
  type Node,
  nodeFromProto,
  nodeToProto,
  ValidationError,
} from "@tvix-ts/castore";
import {
  ContentAddress,
  type ContentAddressMethod,
  type HashAlgo,
  NixCompatError,
  NixHash,
  parseStorePathBaseName,
  Signature,
  StorePath,
} from "@tvix-ts/nix-compat";
import { PathInfoError } from "../errors.ts";
import type { Node as NodeMsg } from "../gen/tvix/castore/v1/castore_pb.ts";
import { NodeSchema } from "../gen/tvix/castore/v1/castore_pb.ts";
import {
  type NARInfo_CA,
  NARInfo_CA_Hash,
  NARInfo_CASchema,
  NARInfoSchema,
  type PathInfo as PathInfoMsg,
  PathInfoSchema,
  StorePathSchema,
} from "../gen/tvix/store/v1/pathinfo_pb.ts";
import { PathInfo, type PathInfoReference } from "./path-info.ts";

const dec = new TextDecoder("utf-8", { fatal: true });
const enc = new TextEncoder();

/** (method, algo) of each CA enum value. */
const CA_KINDS: readonly [number, ContentAddressMethod, HashAlgo][] = [
  [NARInfo_CA_Hash.NAR_SHA256, "nar", "sha256"],
  [NARInfo_CA_Hash.NAR_SHA1, "nar", "sha1"],
  [NARInfo_CA_Hash.NAR_SHA512, "nar", "sha512"],
  [NARInfo_CA_Hash.NAR_MD5, "nar", "md5"],
  [NARInfo_CA_Hash.TEXT_SHA256, "text", "sha256"],
  [NARInfo_CA_Hash.FLAT_SHA1, "flat", "sha1"],
  [NARInfo_CA_Hash.FLAT_MD5, "flat", "md5"],
  [NARInfo_CA_Hash.FLAT_SHA256, "flat", "sha256"],
  [NARInfo_CA_Hash.FLAT_SHA512, "flat", "sha512"],
];

function caFromProto(ca: NARInfo_CA): ContentAddress {
  const kind = CA_KINDS.find(([v]) => v === ca.type);
  if (!kind) throw new PathInfoError("InvalidCaField", `Unknown hash type ${ca.type}`);
  try {
    return new ContentAddress(kind[1], new NixHash(kind[2], ca.digest.slice()));
  } catch (e) {
    if (!(e instanceof NixCompatError)) throw e;
    throw new PathInfoError("InvalidCaField", `invalid ca field: ${e.message}`, { cause: e });
  }
}

function caToProto(ca: ContentAddress): NARInfo_CA {
  const kind = CA_KINDS.find(([, m, a]) => m === ca.method && a === ca.hash.algo)!;
  return create(NARInfo_CASchema, { type: kind[0] as NARInfo_CA["type"], digest: ca.hash.digest });
}

function showBytes(b: Uint8Array): string {
  try {
    return JSON.stringify(dec.decode(b));
  } catch {
    return `0x${Buffer.from(b).toString("hex")}`;
  }
}

function basenameFromBytes(name: Uint8Array): StorePath {
  return parseStorePathBaseName(dec.decode(name));
}

/** Validates a received PathInfo message (Tvix's order of checks) and builds the model. */
export function pathInfoFromProto(msg: PathInfoMsg): PathInfo {
  const ni = msg.narinfo;
  if (!ni) throw new PathInfoError("NarInfoFieldMissing", "narinfo field is missing");

  msg.references.forEach((r, i) => {
    if (r.length !== 20) {
      throw new PathInfoError(
        "InvalidReferenceDigestLen",
        `invalid length of digest at position ${i}: ${r.length}`,
      );
    }
  });
  if (ni.referenceNames.length !== msg.references.length) {
    throw new PathInfoError(
      "InconsistentNumberOfReferences",
      `inconsistent number of references: ${msg.references.length} (references) vs ${ni.referenceNames.length} (narinfo)`,
    );
  }
  const refPaths = ni.referenceNames.map((name, i) => {
    let p: StorePath;
    try {
      p = parseStorePathBaseName(name);
    } catch (e) {
      throw new PathInfoError(
        "InvalidNarinfoReferenceName",
        `invalid narinfo.reference_name at position ${i}: ${JSON.stringify(name)}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (!Buffer.from(p.digest).equals(Buffer.from(msg.references[i]!))) {
      throw new PathInfoError(
        "InconsistentNarinfoReferenceNameDigest",
        `digest of reference name ${JSON.stringify(name)} at position ${i} does not match references[${i}]`,
      );
    }
    return p;
  });

  if (!msg.node) throw new PathInfoError("NoNodePresent", "no node present");
  let node: Node;
  let name: Uint8Array;
  try {
    ({ node, name } = nodeFromProto(msg.node));
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new PathInfoError("InvalidRootNode", `invalid root node: ${e.message}`, { cause: e });
  }
  let storePath: StorePath;
  try {
    storePath = basenameFromBytes(name);
  } catch (e) {
    throw new PathInfoError(
      "InvalidNodeName",
      `invalid node name ${showBytes(name)}: ${(e as Error).message}`,
      { cause: e },
    );
  }

  if (ni.narSha256.length !== 32) {
    throw new PathInfoError(
      "InvalidNarSha256DigestLen",
      `invalid nar_sha256 length: ${ni.narSha256.length}`,
    );
  }
  if (ni.narSize > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PathInfoError("InvalidNarSize", `nar_size ${ni.narSize} is too large`);
  }

  let deriver: StorePath | undefined;
  if (ni.deriver) {
    try {
      // The message leaves out `.drv`; Tvix checks the name without it.
      const bare = new StorePath(ni.deriver.digest, ni.deriver.name);
      deriver = new StorePath(bare.digest.slice(), `${bare.name}.drv`);
    } catch (e) {
      throw new PathInfoError("InvalidDeriverField", `invalid deriver: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  const signatures = ni.signatures.map((s, i) => {
    try {
      return new Signature(s.name, s.data);
    } catch (e) {
      throw new PathInfoError(
        "InvalidSignature",
        `invalid signature at position ${i}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  });

  const ca = ni.ca ? caFromProto(ni.ca) : undefined;

  const references: PathInfoReference[] = refPaths.map((path) => ({ path, node: undefined }));
  if (msg.referenceNodes.length > 0) {
    if (msg.referenceNodes.length !== references.length) {
      throw new PathInfoError(
        "InvalidReferenceNodes",
        `${msg.referenceNodes.length} reference nodes for ${references.length} references`,
      );
    }
    msg.referenceNodes.forEach((n, i) => {
      if (n.node.case === undefined) return; // not known
      const ref = references[i]!;
      try {
        const got = nodeFromProto(n);
        if (dec.decode(got.name) !== ref.path.baseName) {
          throw new Error(`its name ${showBytes(got.name)} is not ${ref.path.baseName}`);
        }
        references[i] = { path: ref.path, node: got.node };
      } catch (e) {
        throw new PathInfoError(
          "InvalidReferenceNodes",
          `invalid reference node at position ${i}: ${(e as Error).message}`,
          { cause: e },
        );
      }
    });
  }

  return new PathInfo({
    storePath,
    node,
    references,
    narSize: Number(ni.narSize),
    narSha256: ni.narSha256.slice(),
    signatures,
    deriver,
    ca,
  });
}

/** The message for a PathInfo (always succeeds). */
export function pathInfoToProto(info: PathInfo): PathInfoMsg {
  const deriver = info.deriver
    ? create(StorePathSchema, {
        name: info.deriver.name.endsWith(".drv")
          ? info.deriver.name.slice(0, -4)
          : info.deriver.name,
        digest: info.deriver.digest,
      })
    : undefined;
  const anyNode = info.references.some((r) => r.node !== undefined);
  return create(PathInfoSchema, {
    node: nodeToProto(enc.encode(info.storePath.baseName), info.node) as NodeMsg,
    references: info.references.map((r) => r.path.digest),
    narinfo: create(NARInfoSchema, {
      narSize: BigInt(info.narSize),
      narSha256: info.narSha256,
      signatures: info.signatures.map((s) => ({ name: s.name, data: s.bytes })),
      referenceNames: info.references.map((r) => r.path.baseName),
      deriver,
      ca: info.ca ? caToProto(info.ca) : undefined,
    }),
    referenceNodes: anyNode
      ? info.references.map((r) =>
          r.node
            ? (nodeToProto(enc.encode(r.path.baseName), r.node) as NodeMsg)
            : create(NodeSchema),
        )
      : [],
  });
}

export function encodePathInfo(info: PathInfo): Uint8Array {
  return toBinary(PathInfoSchema, pathInfoToProto(info), { writeUnknownFields: false });
}

/** Parses and validates PathInfo protobuf bytes. */
export function decodePathInfo(bytes: Uint8Array): PathInfo {
  let msg: PathInfoMsg;
  try {
    msg = fromBinary(PathInfoSchema, bytes, { readUnknownFields: false });
  } catch (e) {
    throw new PathInfoError("InvalidProto", `not a PathInfo message: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return pathInfoFromProto(msg);
}

/** A root node from an anonymous `Node` message (nar-bridge URLs, CalculateNAR). */
export function anonymousNodeFromMsg(msg: NodeMsg): Node {
  return anonymousNodeFromProto(msg as Parameters<typeof anonymousNodeFromProto>[0]);
}

export function anonymousNodeToMsg(node: Node): NodeMsg {
  return nodeToProto(new Uint8Array(0), node) as NodeMsg;
}

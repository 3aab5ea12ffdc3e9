/**
 * Conversions between the generated protobuf messages (src/gen) and the model, with Tvix's
 * validation of received directories (castore-store.md §1.9).
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { ValidationError } from "../errors.ts";
import {
  type Directory as DirectoryMsg,
  DirectorySchema,
  type Node as NodeMsg,
  NodeSchema,
} from "../gen/tvix/castore/v1/castore_pb.ts";
import { Directory, type UncheckedNode, validateNode } from "./directory.ts";
import { compareBytes, showBytes } from "./names.ts";
import type { Node } from "./node.ts";

interface NamedMsg {
  name: Uint8Array;
}

/** Each list must be strictly ascending by name bytes. */
function checkSorted(list: readonly NamedMsg[]): void {
  for (let i = 1; i < list.length; i++) {
    const c = compareBytes(list[i - 1]!.name, list[i]!.name);
    if (c === 0) {
      throw new ValidationError("DuplicateName", `duplicate name ${showBytes(list[i]!.name)}`);
    }
    if (c > 0) {
      throw new ValidationError("WrongSorting", `${showBytes(list[i]!.name)} is not sorted`);
    }
  }
}

/** Validates a received Directory message and turns it into the model. */
export function directoryFromProto(msg: DirectoryMsg): Directory {
  checkSorted(msg.directories);
  checkSorted(msg.files);
  checkSorted(msg.symlinks);
  const d = new Directory();
  for (const n of msg.directories) {
    d.add(n.name, { type: "directory", digest: n.digest, size: sizeOf(n.size) });
  }
  for (const n of msg.files) {
    d.add(n.name, {
      type: "file",
      digest: n.digest,
      size: sizeOf(n.size),
      executable: n.executable,
    });
  }
  for (const n of msg.symlinks) d.add(n.name, { type: "symlink", target: n.target });
  d.size(); // surfaces SizeOverflow at the boundary, as Tvix does
  return d;
}

/** Sizes arrive as bigint; values past 2^53 - 1 get rejected in Directory.add. */
function sizeOf(v: bigint): number {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.POSITIVE_INFINITY;
}

/** Parses and validates a Directory from protobuf bytes. */
export function decodeDirectory(bytes: Uint8Array): Directory {
  let msg: DirectoryMsg;
  try {
    msg = fromBinary(DirectorySchema, bytes, { readUnknownFields: false });
  } catch (e) {
    throw new ValidationError("InvalidProto", `not a Directory message: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return directoryFromProto(msg);
}

export function directoryToProto(d: Directory): DirectoryMsg {
  const msg = create(DirectorySchema);
  for (const { name, node } of d.entries()) {
    switch (node.type) {
      case "directory":
        msg.directories.push({
          $typeName: "tvix.castore.v1.DirectoryNode",
          name,
          digest: node.digest,
          size: BigInt(node.size),
        });
        break;
      case "file":
        msg.files.push({
          $typeName: "tvix.castore.v1.FileNode",
          name,
          digest: node.digest,
          size: BigInt(node.size),
          executable: node.executable,
        });
        break;
      case "symlink":
        msg.symlinks.push({ $typeName: "tvix.castore.v1.SymlinkNode", name, target: node.target });
        break;
    }
  }
  return msg;
}

export interface NamedNode {
  readonly name: Uint8Array;
  readonly node: Node;
}

/** Validates a `Node` message; the name is returned as is (callers decide what it may be). */
export function nodeFromProto(msg: NodeMsg): NamedNode {
  const v = msg.node;
  if (v.case === undefined) throw new ValidationError("NoNodeSet", "no node set");
  let node: UncheckedNode;
  switch (v.case) {
    case "directory":
      node = { type: "directory", digest: v.value.digest, size: sizeOf(v.value.size) };
      break;
    case "file":
      node = {
        type: "file",
        digest: v.value.digest,
        size: sizeOf(v.value.size),
        executable: v.value.executable,
      };
      break;
    case "symlink":
      node = { type: "symlink", target: v.value.target };
      break;
  }
  return { name: v.value.name, node: validateNode(v.value.name, node) };
}

/** A root node must not carry a name (Tvix `NameInAnonymousNode`). */
export function anonymousNodeFromProto(msg: NodeMsg): Node {
  const { name, node } = nodeFromProto(msg);
  if (name.length > 0) {
    throw new ValidationError("NameInAnonymousNode", "Name is set when it shouldn't");
  }
  return node;
}

export function nodeToProto(name: Uint8Array, node: Node): NodeMsg {
  switch (node.type) {
    case "directory":
      return create(NodeSchema, {
        node: {
          case: "directory",
          value: { name, digest: node.digest, size: BigInt(node.size) },
        },
      });
    case "file":
      return create(NodeSchema, {
        node: {
          case: "file",
          value: {
            name,
            digest: node.digest,
            size: BigInt(node.size),
            executable: node.executable,
          },
        },
      });
    case "symlink":
      return create(NodeSchema, {
        node: { case: "symlink", value: { name, target: node.target } },
      });
  }
}

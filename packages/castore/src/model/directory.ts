/**
 * Directory: one level of a tree, a map name -> Node sorted by name bytes, names unique across
 * node kinds (castore-store.md §1.6). Its identity is the BLAKE3 of its canonical protobuf
 * encoding (§1.8), which this class produces itself.
 */
import { ValidationError } from "../errors.ts";
import { type B3Digest, blake3 } from "./digest.ts";
import { showBytes, toBytes, validateName, validateSymlinkTarget } from "./names.ts";
import { type DirectoryNode, directoryNode, fileNode, type Node } from "./node.ts";
import { WireWriter } from "./wire.ts";

/**
 * How DirectoryNode.size is computed (castore-store.md §1.7):
 * - "tvix": what Tvix's importers produce and its closure validator demands: every child counts
 *   twice, plus each child directory's own size. The default, because anything else is rejected
 *   by Tvix servers and yields different digests.
 * - "proto": what the proto comment documents: children once, plus child directory sizes.
 */
export type SizeFormula = "tvix" | "proto";

export interface DirectoryEntry {
  readonly name: Uint8Array;
  readonly node: Node;
}

/** Latin-1 string of the name bytes: compares by code unit exactly as the bytes compare. */
function keyOf(name: Uint8Array): string {
  let s = "";
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(name[i]!);
  return s;
}

/** A node as it arrives from outside: digests not yet length-checked. */
export type UncheckedNode =
  | { readonly type: "directory"; readonly digest: Uint8Array; readonly size: number }
  | {
      readonly type: "file";
      readonly digest: Uint8Array;
      readonly size: number;
      readonly executable: boolean;
    }
  | { readonly type: "symlink"; readonly target: Uint8Array };

/** Validates a node's digest, size and target; errors name the entry (Tvix `InvalidNode`). */
export function validateNode(name: Uint8Array, node: UncheckedNode): Node {
  try {
    switch (node.type) {
      case "directory":
        return directoryNode(node.digest, node.size);
      case "file":
        return fileNode(node.digest, node.size, node.executable);
      case "symlink":
        return { type: "symlink", target: validateSymlinkTarget(node.target) };
      default:
        throw new ValidationError("NoNodeSet", "node has no known type");
    }
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(
      "InvalidNode",
      `invalid node with name ${showBytes(name)}: ${e.message}`,
      {
        cause: e,
      },
    );
  }
}

export class Directory {
  readonly #nodes = new Map<string, DirectoryEntry>();
  #sorted: DirectoryEntry[] | undefined;
  #encoded: Uint8Array | undefined;

  /** Builds a directory from (name, node) pairs in any order; duplicate names are an error. */
  static from(entries: Iterable<readonly [Uint8Array | string, Node]>): Directory {
    const d = new Directory();
    for (const [name, node] of entries) d.add(name, node);
    return d;
  }

  /** Adds a child, validating its name and node. */
  add(name: Uint8Array | string, node: UncheckedNode): this {
    const n = validateName(toBytes(name));
    const key = keyOf(n);
    if (this.#nodes.has(key)) {
      throw new ValidationError("DuplicateName", `duplicate name ${showBytes(n)}`);
    }
    const valid = validateNode(n, node);
    this.#nodes.set(key, { name: n, node: valid });
    this.#sorted = undefined;
    this.#encoded = undefined;
    return this;
  }

  get(name: Uint8Array | string): Node | undefined {
    return this.#nodes.get(keyOf(toBytes(name)))?.node;
  }

  get length(): number {
    return this.#nodes.size;
  }

  /** All children in name byte order. */
  entries(): readonly DirectoryEntry[] {
    if (!this.#sorted) {
      const keys = [...this.#nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.#sorted = keys.map((k) => this.#nodes.get(k)!);
    }
    return this.#sorted;
  }

  /** Digests of child directories, in name order. */
  childDigests(): B3Digest[] {
    const out: B3Digest[] = [];
    for (const { node } of this.entries()) if (node.type === "directory") out.push(node.digest);
    return out;
  }

  /**
   * The value a parent's DirectoryNode.size must carry for this directory. Overflow beyond
   * 2^53 - 1 is a SizeOverflow error (Tvix checks against 2^64).
   */
  size(formula: SizeFormula = "tvix"): number {
    const perChild = formula === "tvix" ? 2 : 1;
    let total = 0;
    for (const { node } of this.#nodes.values()) {
      total += perChild + (node.type === "directory" ? node.size : 0);
    }
    if (!Number.isSafeInteger(total)) {
      throw new ValidationError("SizeOverflow", "directory size overflows");
    }
    return total;
  }

  /** The node a parent holds for this directory: its digest and `size(formula)`. */
  node(formula: SizeFormula = "tvix"): DirectoryNode {
    return { type: "directory", digest: this.digest(), size: this.size(formula) };
  }

  /** The canonical protobuf encoding: directories, then files, then symlinks, each by name. */
  encode(): Uint8Array {
    if (this.#encoded) return this.#encoded;
    const w = new WireWriter();
    for (const kind of ["directory", "file", "symlink"] as const) {
      for (const { name, node } of this.entries()) {
        if (node.type !== kind) continue;
        w.messageField(
          kind === "directory" ? 1 : kind === "file" ? 2 : 3,
          encodeNamedNode(name, node),
        );
      }
    }
    this.#encoded = w.finish();
    return this.#encoded;
  }

  /** BLAKE3 of the canonical encoding. */
  digest(): B3Digest {
    return blake3(this.encode());
  }
}

/** Body of a DirectoryNode / FileNode / SymlinkNode message (without the Node oneof wrapper). */
export function encodeNamedNode(name: Uint8Array, node: Node): Uint8Array {
  const w = new WireWriter();
  w.bytesField(1, name);
  switch (node.type) {
    case "directory":
      w.bytesField(2, node.digest);
      w.uintField(3, node.size);
      break;
    case "file":
      w.bytesField(2, node.digest);
      w.uintField(3, node.size);
      w.boolField(4, node.executable);
      break;
    case "symlink":
      w.bytesField(2, node.target);
      break;
  }
  return w.finish();
}

/** Canonical encoding of a `Node` message (the oneof wrapper), e.g. for nar-bridge URLs. */
export function encodeNode(name: Uint8Array, node: Node): Uint8Array {
  const w = new WireWriter();
  const field = node.type === "directory" ? 1 : node.type === "file" ? 2 : 3;
  w.messageField(field, encodeNamedNode(name, node));
  return w.finish();
}

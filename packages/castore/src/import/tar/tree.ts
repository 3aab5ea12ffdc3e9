/**
 * The file tree of an archive whose entries come in any order (castore-store.md §6.3), with
 * Tvix's rules: parent directories are made up when missing; a second entry at a path replaces
 * the first unless both are directories (then they merge), and a replaced node loses its
 * children; exactly one top-level entry, and it must be a directory.
 *
 * Nodes are keyed by path; a node's children are kept by name and point at the child's path
 * key. Replacing a node only clears its own child list (nodes deeper down stay keyed by path
 * and can be re-attached by a later entry below them), as Tvix's graph does.
 */
import type { DirectoryPutter } from "../../directory/types.ts";
import { Directory, type SizeFormula } from "../../model/directory.ts";
import type { Node } from "../../model/node.ts";
import { ImportError } from "../errors.ts";

export type TreeLeaf =
  | { readonly type: "file"; readonly node: Node }
  | { readonly type: "symlink"; readonly node: Node };
export type TreeEntry = TreeLeaf | { readonly type: "directory" };

interface TreeNode {
  entry: TreeEntry;
  /** name (latin1 key) -> [name bytes, child path key] */
  readonly children: Map<string, readonly [Uint8Array, string]>;
}

const latin1 = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

export class EntryTree {
  readonly #nodes = new Map<string, TreeNode>();
  #root: string | undefined;

  /** The entry at `components`, if any (hardlink resolution). */
  get(components: readonly Uint8Array[]): TreeEntry | undefined {
    return this.#nodes.get(components.map(latin1).join("/"))?.entry;
  }

  /** Adds an entry at a non-empty path of valid names. */
  add(components: readonly Uint8Array[], entry: TreeEntry): void {
    // Walk down from the top, making up directories, then place the entry at the end. Tvix adds
    // the entry first and its parents after; the resulting tree is the same.
    let parentKey: string | undefined;
    for (let i = 0; i < components.length; i++) {
      const key = components
        .slice(0, i + 1)
        .map(latin1)
        .join("/");
      const last = i === components.length - 1;
      const want: TreeEntry = last ? entry : { type: "directory" };
      let node = this.#nodes.get(key);
      if (!node) {
        node = { entry: want, children: new Map() };
        this.#nodes.set(key, node);
      } else if (want.type !== "directory" || node.entry.type !== "directory") {
        node.entry = want;
        node.children.clear();
      }
      if (parentKey === undefined) {
        if (this.#root !== undefined && this.#root !== key) {
          throw new ImportError(
            "invalid",
            "(archive)",
            "unexpected number of top level directory entries",
          );
        }
        this.#root = key;
      } else {
        const name = components[i]!;
        this.#nodes.get(parentKey)!.children.set(latin1(name), [name, key]);
      }
      parentKey = key;
    }
  }

  /**
   * Builds the Directory messages leaves to root through `putter` (post-order, each only after
   * its children) and returns the root node. Unreachable (replaced) subtrees are dropped.
   */
  async finish(putter: () => DirectoryPutter, formula: SizeFormula): Promise<Node> {
    const rootKey = this.#root;
    const root = rootKey === undefined ? undefined : this.#nodes.get(rootKey);
    if (root?.entry.type !== "directory") {
      throw new ImportError(
        "invalid",
        "(archive)",
        "unexpected number of top level directory entries",
      );
    }
    const p = putter();
    const built = new Map<string, Node>();
    // Iterative post-order: archives can nest deeper than the JS stack.
    const stack: { key: string; expanded: boolean }[] = [{ key: rootKey!, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = this.#nodes.get(top.key)!;
      if (!top.expanded) {
        top.expanded = true;
        for (const [, childKey] of node.children.values()) {
          const child = this.#nodes.get(childKey)!;
          if (child.entry.type === "directory") stack.push({ key: childKey, expanded: false });
        }
        continue;
      }
      stack.pop();
      const dir = new Directory();
      for (const [name, childKey] of node.children.values()) {
        const child = this.#nodes.get(childKey)!.entry;
        dir.add(name, child.type === "directory" ? built.get(childKey)! : child.node);
      }
      // Only the parent needs the children's nodes; free them as we go up.
      for (const [, childKey] of node.children.values()) built.delete(childKey);
      try {
        await p.put(dir);
      } catch (e) {
        throw new ImportError(
          "upload",
          top.key,
          `directory upload failed: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      built.set(top.key, dir.node(formula));
    }
    try {
      await p.close();
    } catch (e) {
      throw new ImportError(
        "upload",
        "(closure)",
        `directory upload failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    return built.get(rootKey!)!;
  }
}

/**
 * Reading a tree's small files ahead of the NAR writer. The writer asks for one file's contents
 * at a time, in NAR order; a blob read is a round trip to the BlobService (a read worker, a
 * gRPC call), so a tree of 20,000 small files spent ~4 s waiting on them one by one. Knowing the
 * whole tree up front (DirectoryMap), the prefetcher keeps the reads of the next small files
 * running — at most 256 files and 16 MiB ahead — and hands each one's bytes over when the
 * writer reaches it. Larger files are read as before, streamed when reached.
 */
import { type BlobService, digestEquals, type Node, readAll } from "@tvix-ts/castore";
import type { DirectoryMap } from "./directories.ts";

type FileNode = Extract<Node, { type: "file" }>;

/** Files up to this size are read ahead, whole. */
const SMALL = 1024 * 1024;
const MAX_FILES = 256;
const MAX_BYTES = 16 * 1024 * 1024;

/** A read ahead: the blob's bytes, or undefined when the service does not have it. */
type Ahead = Promise<Uint8Array | undefined>;

export class BlobPrefetcher {
  readonly #blobs: BlobService;
  readonly #files: FileNode[];
  /** Index of the file the writer asks for next. */
  #next = 0;
  /** Index of the next file to look at for reading ahead. */
  #scan = 0;
  readonly #ahead = new Map<number, Ahead>();
  #bytesAhead = 0;

  constructor(blobs: BlobService, root: Node, dirs: DirectoryMap) {
    this.#blobs = blobs;
    this.#files = filesInOrder(root, dirs);
    this.#fill();
  }

  /**
   * The read ahead for `node`, the next file the writer reached; undefined when it was not read
   * ahead (a large file, or not the file expected next), and the caller reads it itself.
   */
  take(node: FileNode): Ahead | undefined {
    const i = this.#next;
    const expected = this.#files[i];
    if (expected === undefined || !sameFile(expected, node)) {
      // Not the order foreseen (it cannot happen with writeNar): stop reading ahead.
      this.#next = this.#scan = this.#files.length;
      return undefined;
    }
    this.#next++;
    const ahead = this.#ahead.get(i);
    if (ahead !== undefined) {
      this.#ahead.delete(i);
      this.#bytesAhead -= expected.size;
    }
    this.#fill();
    return ahead;
  }

  #fill(): void {
    if (this.#scan < this.#next) this.#scan = this.#next;
    while (
      this.#scan < this.#files.length &&
      this.#scan - this.#next < MAX_FILES &&
      this.#bytesAhead < MAX_BYTES
    ) {
      const i = this.#scan++;
      const f = this.#files[i]!;
      if (f.size > SMALL) continue;
      const read: Ahead = this.#blobs.openRead(f.digest).then((r) => (r ? readAll(r) : undefined));
      read.catch(() => {}); // the writer sees the error when it reaches the file
      this.#ahead.set(i, read);
      this.#bytesAhead += f.size;
    }
  }
}

const sameFile = (a: FileNode, b: FileNode) =>
  a.size === b.size && digestEquals(a.digest, b.digest);

/**
 * The file nodes under `root` in the order the NAR writer reaches them (entries in order,
 * depth first). Stops at a directory the map lacks: the writer reports it when it gets there.
 */
function filesInOrder(root: Node, dirs: DirectoryMap): FileNode[] {
  const out: FileNode[] = [];
  // Depth first with an explicit stack of entry lists: trees may be deeper than the JS stack.
  const stack: { nodes: Node[]; at: number }[] = [{ nodes: [root], at: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.at === top.nodes.length) {
      stack.pop();
      continue;
    }
    const node = top.nodes[top.at++]!;
    if (node.type === "file") out.push(node);
    else if (node.type === "directory") {
      let entries: Node[];
      try {
        entries = dirs
          .get(node.digest, "")
          .entries()
          .map((e) => e.node);
      } catch {
        break;
      }
      stack.push({ nodes: entries, at: 0 });
    }
  }
  return out;
}

/**
 * The NAR hash of a local tree for `tvix store import`, computed from the source files on a
 * worker thread while the import stores them, instead of rendering the NAR from castore
 * afterwards (a second pass over every blob: 0.73 s of 1.9 s for 20,000 small files).
 *
 * The worker reads the files a second time, so they could change in between: it also computes
 * the castore node of what it read (BLAKE3 of each file, Directory digests), and the import
 * uses its NAR hash only if that node is the one the import stored. Otherwise, or if anything
 * goes wrong here, the NAR is rendered from castore as before.
 */
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import {
  createDigester,
  Directory,
  EMPTY_DIGEST,
  type Node,
  type SizeFormula,
} from "@tvix-ts/castore";
import {
  type NarBufferSink,
  type NarContentReader,
  type NarNodeInput,
  writeNarToSink,
} from "@tvix-ts/nix-compat";
import { fsNarNode } from "./fs-nar.ts";

export interface SourceNar {
  readonly narSize: number;
  readonly narSha256: Uint8Array;
  /** The castore node of the bytes that were hashed. */
  readonly node: Node;
}

/** A directory being walked: its children's nodes as the NAR writer reaches them. */
interface DirRecord {
  readonly children: [Uint8Array, Node | DirRecord | undefined][];
}

/**
 * Wraps NAR writer input so that every node's castore counterpart is recorded as it is
 * written: `set` receives a node, a directory's record, or (for a file, until its contents
 * have all been read) undefined.
 */
function recording(
  input: NarNodeInput,
  set: (n: Node | DirRecord | undefined) => void,
): NarNodeInput {
  if (input.type === "symlink") {
    const target =
      typeof input.target === "string" ? new TextEncoder().encode(input.target) : input.target;
    set({ type: "symlink", target });
    return input;
  }
  if (input.type === "regular") {
    const executable = input.executable === true;
    const size = Number(input.size ?? (input.contents as Uint8Array).length);
    // A file's contents may never be opened when it is empty.
    set(size === 0 ? { type: "file", digest: EMPTY_DIGEST, size, executable } : undefined);
    if (size === 0) return input;
    const digester = createDigester();
    let seen = 0;
    const finish = () => {
      if (seen === size) set({ type: "file", digest: digester.digest(), size, executable });
    };
    const contents = input.contents;
    if (contents instanceof Uint8Array) {
      digester.update(contents);
      seen = contents.length;
      finish();
      return input;
    }
    return {
      ...input,
      contents: async () => {
        const c = await contents();
        if (c instanceof Uint8Array || !("readInto" in c)) {
          throw new Error("source NAR: only file readers are supported");
        }
        const reader: NarContentReader = c;
        return {
          readInto: (into: Uint8Array, position: number) => {
            // The writer reads in order; anything else leaves the file without a node.
            const got = (n: number) => {
              if (position === seen) {
                digester.update(into.subarray(0, n));
                seen += n;
              } else {
                seen = Number.NaN;
              }
              return n;
            };
            const n = reader.readInto(into, position);
            return typeof n === "number" ? got(n) : Promise.resolve(n).then(got);
          },
          close: () => {
            finish();
            reader.close?.();
          },
        };
      },
    };
  }
  const record: DirRecord = { children: [] };
  set(record);
  const entries = input.entries;
  return {
    type: "directory",
    entries: async () => {
      const list = typeof entries === "function" ? await entries() : entries;
      const out = [];
      for await (const e of list) {
        const name = typeof e.name === "string" ? new TextEncoder().encode(e.name) : e.name;
        const slot: [Uint8Array, Node | DirRecord | undefined] = [name, undefined];
        record.children.push(slot);
        const node = e.node;
        out.push({
          name: e.name,
          node: async (): Promise<NarNodeInput> =>
            recording(typeof node === "function" ? await node() : node, (n) => {
              slot[1] = n;
            }),
        });
      }
      return out;
    },
  };
}

/** The castore node of a walked tree; undefined if a file was not read in full. */
function castoreNode(n: Node | DirRecord | undefined, formula: SizeFormula): Node | undefined {
  if (n === undefined || "type" in n) return n;
  const children: [Uint8Array, Node][] = [];
  for (const [name, child] of n.children) {
    const node = castoreNode(child, formula);
    if (!node) return undefined;
    children.push([name, node]);
  }
  return Directory.from(children).node(formula);
}

/** A sink hashing the NAR as the writer fills its one reused buffer. */
function hashingSink() {
  const h = createHash("sha256");
  let size = 0;
  let buf = new Uint8Array(256 * 1024);
  const sink: NarBufferSink = {
    swap(filled, used, min) {
      if (filled) {
        h.update(filled.subarray(0, used));
        size += used;
      }
      if (buf.length < min) buf = new Uint8Array(min);
      return buf;
    },
    end(last, used) {
      h.update(last.subarray(0, used));
      size += used;
    },
  };
  return { sink, result: () => ({ narSize: size, narSha256: new Uint8Array(h.digest()) }) };
}

/** Walks `path` on this thread: its NAR's size and sha256, and the castore node of its bytes. */
export async function hashSourceNar(
  path: string,
  formula: SizeFormula = "tvix",
): Promise<SourceNar | undefined> {
  let root: Node | DirRecord | undefined;
  const input = recording(fsNarNode(path), (n) => {
    root = n;
  });
  const { sink, result } = hashingSink();
  await writeNarToSink(input, sink, { chunkSize: 256 * 1024 });
  const node = castoreNode(root, formula);
  return node ? { ...result(), node } : undefined;
}

/**
 * Starts `hashSourceNar(path)` on a worker thread; resolves to undefined instead of failing
 * (the caller then renders the NAR from castore).
 */
export function startSourceNar(path: string): Promise<SourceNar | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./source-nar-worker.ts", import.meta.url), {
        workerData: { path },
      });
    } catch {
      return resolve(undefined);
    }
    worker.once("message", (r: SourceNar | undefined) => resolve(r ?? undefined));
    worker.once("error", () => resolve(undefined));
    worker.once("exit", () => resolve(undefined));
  });
}

/**
 * Property and fuzz tests: random trees round-trip through writer and reader in any chunking;
 * random mutations and truncations of valid NARs either parse or fail with a NarError (never
 * another exception, a hang, or a huge allocation), identically in the synchronous and the
 * streaming reader.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type ListingEntry,
  listNar,
  NarError,
  type NarNode,
  parseNar,
  readNar,
  toHex,
  writeNar,
  writeNarSync,
} from "../src/index.ts";
import { arbTree, cat, collect, split } from "./helpers/nar.ts";

/** The streaming reader's view of a NAR, rebuilt as a tree. */
async function readTree(chunks: Iterable<Uint8Array>): Promise<NarNode> {
  const stack: { entries: { name: Uint8Array; node: NarNode }[] }[] = [];
  let root: NarNode | undefined;
  const place = (path: readonly Uint8Array[], node: NarNode) => {
    if (path.length === 0) root = node;
    else stack[stack.length - 1]!.entries.push({ name: path[path.length - 1]!, node });
  };
  for await (const ev of readNar(chunks)) {
    if (ev.type === "directory-start") stack.push({ entries: [] });
    else if (ev.type === "directory-end")
      place(ev.path, { type: "directory", entries: stack.pop()!.entries });
    else if (ev.type === "symlink") place(ev.path, { type: "symlink", target: ev.target });
    else
      place(ev.path, {
        type: "regular",
        executable: ev.executable,
        contents: await collect(ev.contents),
      });
  }
  return root!;
}

const arbCuts = fc.array(fc.nat({ max: 4000 }), { maxLength: 20 });

function* listingFiles(e: ListingEntry, path = ""): Generator<[string, ListingEntry]> {
  yield [path, e];
  if (e.type === "directory")
    for (const c of e.entries) yield* listingFiles(c.entry, `${path}/${toHex(c.name)}`);
}

describe("NAR round trips (fast-check)", () => {
  it("write -> parse -> write is the identity, in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbTree,
        arbCuts,
        fc.integer({ min: 64, max: 4096 }),
        fc.boolean(),
        async (tree, cuts, chunkSize, reuse) => {
          const b = writeNarSync(tree);
          assert.deepEqual(parseNar(b), tree);
          assert.deepEqual(writeNarSync(parseNar(b)), b);
          assert.deepEqual(await collect(writeNar(tree, { chunkSize, reuseBuffers: reuse })), b);
          assert.deepEqual(await readTree(split(b, cuts)), tree);
        },
      ),
      { numRuns: 250 },
    );
  });
  it("sources that reuse one Node Buffer for every chunk are read correctly", async () => {
    // Node Buffers' slice() is a view: the reader must copy what it keeps (names, targets).
    const reusing = function* (chunks: Uint8Array[]) {
      const buf = Buffer.alloc(8192);
      for (const c of chunks) {
        buf.set(c);
        yield buf.subarray(0, c.length);
        buf.fill(0xaa);
      }
    };
    await fc.assert(
      fc.asyncProperty(arbTree, arbCuts, async (tree, cuts) => {
        const b = writeNarSync(tree);
        // Pieces of at most 4 KiB, so that each fits the reused 8 KiB buffer.
        const chunks = split(b, cuts).flatMap((c) =>
          split(
            c,
            Array.from({ length: Math.floor(c.length / 4096) }, (_, i) => (i + 1) * 4096),
          ),
        );
        assert.deepEqual(await readTree(reusing(chunks)), tree);
        assert.deepEqual(await listNar(reusing(chunks)), await listNar(b));
      }),
      { numRuns: 150 },
    );
  });
  it("writer input given lazily, asynchronously and as content readers gives the same bytes", async () => {
    const lazy = (n: NarNode): unknown => {
      if (n.type === "regular") {
        const c = n.contents;
        return {
          type: "regular",
          executable: n.executable,
          size: BigInt(c.length),
          contents:
            c.length % 2
              ? async () => ({
                  readInto: (into: Uint8Array, pos: number) => {
                    const k = Math.min(into.length, c.length - pos, 3);
                    into.set(c.subarray(pos, pos + k));
                    return Promise.resolve(k);
                  },
                })
              : () =>
                  (async function* () {
                    for (let i = 0; i < c.length; i += 5) yield c.slice(i, i + 5);
                  })(),
        };
      }
      if (n.type === "symlink") return n;
      return {
        type: "directory",
        entries: async () =>
          (async function* () {
            for (const e of [...n.entries].reverse())
              yield { name: e.name, node: async () => lazy(e.node) };
          })(),
      };
    };
    await fc.assert(
      fc.asyncProperty(arbTree, async (tree) => {
        assert.deepEqual(
          await collect(writeNar(lazy(tree) as never, { chunkSize: 64 })),
          writeNarSync(tree),
        );
      }),
      { numRuns: 150 },
    );
  });
  it("listing narOffsets point at each file's contents", async () => {
    await fc.assert(
      fc.asyncProperty(arbTree, async (tree) => {
        const b = writeNarSync(tree);
        const l = await listNar(b);
        const files = new Map<string, Uint8Array>();
        for await (const ev of readNar(b))
          if (ev.type === "regular")
            files.set(ev.path.map(toHex).join("/"), await collect(ev.contents));
        for (const [path, e] of listingFiles(l.root)) {
          if (e.type !== "regular") continue;
          assert.deepEqual(b.subarray(e.narOffset, e.narOffset + e.size), files.get(path.slice(1)));
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** Outcome of a parse: "ok" or the NarError code and offset; anything else fails the test. */
function outcomeSync(b: Uint8Array): string {
  try {
    parseNar(b);
    return "ok";
  } catch (e) {
    if (e instanceof NarError) return `${e.code}@${e.offset}`;
    throw e;
  }
}

async function outcomeStream(chunks: Uint8Array[]): Promise<string> {
  try {
    for await (const ev of readNar(chunks))
      if (ev.type === "regular") for await (const _ of ev.contents);
    return "ok";
  } catch (e) {
    if (e instanceof NarError) return `${e.code}@${e.offset}`;
    throw e;
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    data: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant("u64" as const),
    at: fc.nat(),
    value: fc.constantFrom(
      0n,
      1n,
      7n,
      8n,
      255n,
      256n,
      4095n,
      4096n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 60n,
      2n ** 64n - 1n,
    ),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let out: Uint8Array = b.slice();
  for (const m of ms) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    switch (m.kind) {
      case "flip":
        out[at]! ^= 1 << m.bit;
        break;
      case "set":
        out[at] = m.value;
        break;
      case "truncate":
        out = out.subarray(0, at);
        break;
      case "delete":
        out = cat(out.subarray(0, at), out.subarray(at + m.n));
        break;
      case "insert":
        out = cat(out.subarray(0, at), m.data, out.subarray(at));
        break;
      case "u64": {
        const o = at - (at % 8);
        if (o + 8 <= out.length)
          new DataView(out.buffer, out.byteOffset).setBigUint64(o, m.value, true);
        break;
      }
    }
  }
  return out;
}

describe("NAR fuzzing (fast-check)", () => {
  it("mutated NARs parse or fail with a NarError, the same way sync and streaming", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbTree,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        arbCuts,
        async (tree, ms, cuts) => {
          const b = mutate(writeNarSync(tree), ms);
          const sync = outcomeSync(b);
          assert.equal(await outcomeStream(split(b, cuts)), sync);
          if (sync === "ok") assert.deepEqual(writeNarSync(parseNar(b)), b);
        },
      ),
      { numRuns: 600 },
    );
  });
  it("random bytes after a valid prefix never crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat({ max: 200 }),
        async (junk, keep) => {
          const prefix = writeNarSync({ type: "directory", entries: [] }).subarray(
            0,
            Math.min(88, keep),
          );
          const b = cat(prefix, junk);
          assert.equal(await outcomeStream([b]), outcomeSync(b));
        },
      ),
      { numRuns: 300 },
    );
  });
  it("every truncation of a random NAR is reported as truncated at its end", async () => {
    await fc.assert(
      fc.asyncProperty(arbTree, fc.nat(), async (tree, at) => {
        const b = writeNarSync(tree);
        const n = at % b.length;
        assert.equal(outcomeSync(b.subarray(0, n)), `truncated@${n}`);
      }),
      { numRuns: 200 },
    );
  });
});

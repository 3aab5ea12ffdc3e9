/**
 * The one DirectoryService conformance suite every backend must pass. `rootsOnly` backends
 * (objectstore: one object per closure root) may answer only for closure roots and leaves put
 * alone; the suite does not ask them for inner directories.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fx from "../../src/fixtures.ts";
import {
  collectClosure,
  Directory,
  type DirectoryService,
  DirectoryServiceError,
  digestToHex,
  putClosure,
} from "../../src/index.ts";

export interface DirectoryBackend {
  service: DirectoryService;
  reopen?: () => Promise<DirectoryService>;
  cleanup: () => Promise<void>;
}

export interface DirectoryBackendTraits {
  /** Only closure roots (and directories put alone) can be looked up. */
  readonly rootsOnly?: boolean;
}

const hexes = (ds: readonly Directory[]) => ds.map((d) => digestToHex(d.digest()));
const isKind = (kind: string) => (e: unknown) =>
  e instanceof DirectoryServiceError && e.kind === kind;

function dirNode(d: Directory, size = d.size()) {
  return { type: "directory", digest: d.digest(), size } as const;
}

/**
 * A closure with sharing at two depths: R -> {c: C, p: P}, P -> {c: C, q: Q}, C -> {x: X}.
 * Breadth-first gives R, C, P, X, Q: C comes before its second parent P.
 */
export function diamond() {
  const x = Directory.from([
    ["f", { type: "file", digest: fx.BLOB_A_DIGEST, size: 2, executable: true }],
  ]);
  const c = Directory.from([["x", dirNode(x)]]);
  const q = Directory.from([["l", { type: "symlink", target: new TextEncoder().encode("../c") }]]);
  const p = Directory.from([
    ["c", dirNode(c)],
    ["q", dirNode(q)],
  ]);
  const r = Directory.from([
    ["c", dirNode(c)],
    ["p", dirNode(p)],
  ]);
  return { x, c, q, p, r, leavesToRoot: [x, c, q, p, r] };
}

export function directoryServiceConformance(
  name: string,
  make: () => Promise<DirectoryBackend>,
  traits: DirectoryBackendTraits = {},
): void {
  describe(`DirectoryService conformance: ${name}`, () => {
    const withBackend = (fn: (b: DirectoryBackend) => Promise<void>) => async () => {
      const b = await make();
      try {
        await fn(b);
      } finally {
        await b.service.close();
        await b.cleanup();
      }
    };

    it(
      "absent directories are absent, not errors",
      withBackend(async ({ service }) => {
        assert.equal(await service.get(fx.DIRECTORY_A.digest()), undefined);
        assert.deepEqual(await collectClosure(service.getRecursive(fx.DIRECTORY_C.digest())), []);
      }),
    );

    it(
      "put and get single (leaf) directories",
      withBackend(async ({ service }) => {
        for (const d of [fx.DIRECTORY_A, fx.DIRECTORY_WITH_KEEP]) {
          assert.deepEqual(await service.put(d), d.digest());
          const got = await service.get(d.digest());
          assert.ok(got);
          assert.deepEqual(got.encode(), d.encode());
        }
      }),
    );

    it(
      "uploads [A, C] and returns C's closure root first",
      withBackend(async ({ service }) => {
        const root = await putClosure(service, [fx.DIRECTORY_A, fx.DIRECTORY_C]);
        assert.deepEqual(root, fx.DIRECTORY_C.digest());
        assert.deepEqual(
          hexes(await collectClosure(service.getRecursive(root))),
          hexes([fx.DIRECTORY_C, fx.DIRECTORY_A]),
        );
        assert.deepEqual((await service.get(root))?.encode(), fx.DIRECTORY_C.encode());
        if (!traits.rootsOnly) {
          assert.deepEqual(
            (await service.get(fx.DIRECTORY_A.digest()))?.encode(),
            fx.DIRECTORY_A.encode(),
          );
        }
      }),
    );

    it(
      "deduplicates resent directories ([A, A, C])",
      withBackend(async ({ service }) => {
        const root = await putClosure(service, [fx.DIRECTORY_A, fx.DIRECTORY_A, fx.DIRECTORY_C]);
        assert.deepEqual(
          hexes(await collectClosure(service.getRecursive(root))),
          hexes([fx.DIRECTORY_C, fx.DIRECTORY_A]),
        );
      }),
    );

    it(
      "get-recursive is breadth-first in name order ([A, B, D] -> [D, A, B])",
      withBackend(async ({ service }) => {
        const root = await putClosure(service, [fx.DIRECTORY_A, fx.DIRECTORY_B, fx.DIRECTORY_D]);
        assert.deepEqual(
          hexes(await collectClosure(service.getRecursive(root))),
          hexes([fx.DIRECTORY_D, fx.DIRECTORY_A, fx.DIRECTORY_B]),
        );
      }),
    );

    it(
      "handles directories shared at several depths",
      withBackend(async ({ service }) => {
        const t = diamond();
        const root = await putClosure(service, t.leavesToRoot);
        assert.deepEqual(
          hexes(await collectClosure(service.getRecursive(root))),
          hexes([t.r, t.c, t.p, t.x, t.q]),
        );
        // The complicated fixture too.
        const r2 = await putClosure(service, [fx.DIRECTORY_WITH_KEEP, fx.DIRECTORY_COMPLICATED]);
        assert.deepEqual(
          hexes(await collectClosure(service.getRecursive(r2))),
          hexes([fx.DIRECTORY_COMPLICATED, fx.DIRECTORY_WITH_KEEP]),
        );
      }),
    );

    it(
      "rejects a closure with two roots ([A, C, B]) and stores nothing of it",
      withBackend(async ({ service }) => {
        const p = service.putMultipleStart();
        await p.put(fx.DIRECTORY_A);
        await p.put(fx.DIRECTORY_C);
        await p.put(fx.DIRECTORY_B);
        await assert.rejects(p.close(), isKind("invalid-request"));
        assert.equal(await service.get(fx.DIRECTORY_C.digest()), undefined);
        assert.equal(await service.get(fx.DIRECTORY_B.digest()), undefined);
      }),
    );

    it(
      "rejects a dangling reference ([B] alone), even if A was stored before",
      withBackend(async ({ service }) => {
        await service.put(fx.DIRECTORY_A);
        const p = service.putMultipleStart();
        await assert.rejects(
          (async () => {
            await p.put(fx.DIRECTORY_B);
            await p.close();
          })(),
          isKind("invalid-request"),
        );
        assert.equal(await service.get(fx.DIRECTORY_B.digest()), undefined);
      }),
    );

    it(
      "rejects an edge with the wrong size",
      withBackend(async ({ service }) => {
        const wrong = Directory.from([
          ["a", dirNode(fx.DIRECTORY_WITH_KEEP, fx.DIRECTORY_WITH_KEEP.size() + 42)],
        ]);
        const p = service.putMultipleStart();
        await p.put(fx.DIRECTORY_WITH_KEEP);
        await assert.rejects(
          (async () => {
            await p.put(wrong);
            await p.close();
          })(),
          isKind("invalid-request"),
        );
        assert.equal(await service.get(wrong.digest()), undefined);
      }),
    );

    it(
      "rejects an empty closure and a second close",
      withBackend(async ({ service }) => {
        await assert.rejects(service.putMultipleStart().close(), isKind("invalid-request"));
        const p = service.putMultipleStart();
        await p.put(fx.DIRECTORY_A);
        await p.close();
        await assert.rejects(p.close(), isKind("invalid-request"));
        await assert.rejects(p.put(fx.DIRECTORY_A), isKind("invalid-request"));
      }),
    );

    it(
      "persists across reopen (persistent backends)",
      withBackend(async (b) => {
        if (!b.reopen) return;
        const root = await putClosure(b.service, [fx.DIRECTORY_A, fx.DIRECTORY_B, fx.DIRECTORY_D]);
        await b.service.close();
        b.service = await b.reopen();
        assert.equal((await collectClosure(b.service.getRecursive(root))).length, 3);
      }),
    );
  });
}

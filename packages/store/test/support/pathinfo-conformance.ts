/**
 * The one PathInfoService conformance suite every backend runs (backends.test.ts and
 * grpc.test.ts add one call each).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  encodePathInfo,
  type PathInfo,
  type PathInfoService,
  PathInfoServiceError,
} from "../../src/index.ts";
import { somePathInfo } from "./fixtures.ts";

export interface PathInfoBackend {
  service: PathInfoService;
  /** Opens the same store again (persistent backends). */
  reopen?: () => Promise<PathInfoService>;
  cleanup: () => Promise<void>;
}

export interface PathInfoBackendTraits {
  /** `list` is not supported. */
  readonly noList?: boolean;
  /** put adds signatures (signing wrappers): compare without them. */
  readonly addsSignatures?: boolean;
}

export function pathInfoServiceConformance(
  name: string,
  make: () => Promise<PathInfoBackend>,
  traits: PathInfoBackendTraits = {},
): void {
  const same = (a: PathInfo | undefined, b: PathInfo) => {
    assert.ok(a, "expected a PathInfo");
    const strip = (i: PathInfo) => (traits.addsSignatures ? i.with({ signatures: [] }) : i);
    assert.deepEqual(Buffer.from(encodePathInfo(strip(a))), Buffer.from(encodePathInfo(strip(b))));
  };
  describe(`PathInfoService conformance: ${name}`, () => {
    const withBackend = (f: (b: PathInfoBackend) => Promise<void>) => async () => {
      const b = await make();
      try {
        await f(b);
      } finally {
        await b.service.close();
        await b.cleanup();
      }
    };

    it(
      "absent paths are undefined",
      withBackend(async ({ service }) => {
        assert.equal(await service.get(somePathInfo(1).storePath.digest), undefined);
      }),
    );

    it(
      "put then get returns the same PathInfo, references with their nodes",
      withBackend(async ({ service }) => {
        const a = somePathInfo(1);
        const b = somePathInfo(2, [a]);
        same(await service.put(a), a);
        same(await service.put(b), b);
        same(await service.get(b.storePath.digest), b);
        const got = await service.get(b.storePath.digest);
        assert.equal(got?.references[0]?.node?.type, "file");
      }),
    );

    it(
      "put overwrites",
      withBackend(async ({ service }) => {
        const a = somePathInfo(3);
        await service.put(a);
        const a2 = a.with({ narSize: 999 });
        await service.put(a2);
        assert.equal((await service.get(a.storePath.digest))?.narSize, 999);
      }),
    );

    it(
      "rejects digests that are not 20 bytes",
      withBackend(async ({ service }) => {
        await assert.rejects(
          service.get(new Uint8Array(19)),
          (e) => e instanceof PathInfoServiceError && e.kind === "invalid-request",
        );
      }),
    );

    if (!traits.noList) {
      it(
        "lists everything",
        withBackend(async ({ service }) => {
          const infos = [somePathInfo(10), somePathInfo(11), somePathInfo(12)];
          for (const i of infos) await service.put(i);
          const listed: string[] = [];
          for await (const i of service.list()) listed.push(i.storePath.baseName);
          assert.deepEqual(listed.sort(), infos.map((i) => i.storePath.baseName).sort());
        }),
      );
    }

    it(
      "survives reopening (persistent backends)",
      withBackend(async (b) => {
        if (!b.reopen) return;
        const a = somePathInfo(20);
        await b.service.put(a);
        await b.service.close();
        b.service = await b.reopen();
        same(await b.service.get(a.storePath.digest), a);
      }),
    );

    it(
      "handles concurrent puts and gets",
      withBackend(async ({ service }) => {
        const infos = Array.from({ length: 50 }, (_, i) => somePathInfo(100 + i));
        await Promise.all(infos.map((i) => service.put(i)));
        const got = await Promise.all(infos.map((i) => service.get(i.storePath.digest)));
        for (const [i, g] of got.entries()) same(g, infos[i]!);
      }),
    );
  });
}

/** Runs the shared PathInfoService suite against every local backend and combinator. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { ConfigError } from "@tvix-ts/castore";
import { parseVerifyingKey } from "@tvix-ts/nix-compat";
import {
  CachePathInfoService,
  LruPathInfoService,
  MemoryPathInfoService,
  PathInfoServiceError,
  PriorityPathInfoService,
  pathInfoServiceFromUrl,
  RacePathInfoService,
  SigningPathInfoService,
  storeComposition,
} from "../src/index.ts";
import { somePathInfo } from "./support/fixtures.ts";
import { pathInfoServiceConformance } from "./support/pathinfo-conformance.ts";

const noCleanup = async () => {};
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), "store-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const SECRET =
  "do.not.use:sGPzxuK5WvWPraytx+6sjtaff866sYlfvErE6x0hFEhy5eqe7OVZ8ZMqZ/ME/HaRdKGNGvJkyGKXYTaeA6lR3A==";
const PUBLIC = "do.not.use:cuXqnuzlWfGTKmfzBPx2kXShjRryZMhil2E2ngOpUdw=";

pathInfoServiceConformance("memory://", async () => ({
  service: pathInfoServiceFromUrl("memory://"),
  cleanup: noCleanup,
}));

pathInfoServiceConformance("sqlite:// (temporary)", async () => ({
  service: pathInfoServiceFromUrl("sqlite://"),
  cleanup: noCleanup,
}));

pathInfoServiceConformance("sqlite:///FILE", async () => {
  const { dir, cleanup } = await tempDir();
  const url = `sqlite://${dir}/sub/pathinfo.sqlite`;
  return {
    service: pathInfoServiceFromUrl(url),
    reopen: async () => pathInfoServiceFromUrl(url),
    cleanup,
  };
});

pathInfoServiceConformance("lru://?capacity=1000", async () => ({
  service: pathInfoServiceFromUrl("lru://?capacity=1000"),
  cleanup: noCleanup,
}));

pathInfoServiceConformance("cache (memory near, sqlite far)", async () => ({
  service: new CachePathInfoService(
    new MemoryPathInfoService(),
    pathInfoServiceFromUrl("sqlite://"),
  ),
  cleanup: noCleanup,
}));

pathInfoServiceConformance("priority (composition)", async () => ({
  service: storeComposition({
    pathinfo: {
      default: { type: "priority", services: ["a", "b"] },
      a: { type: "memory" },
      b: { type: "memory" },
    },
  }).build("pathinfo", "default"),
  cleanup: noCleanup,
}));

pathInfoServiceConformance("race", async () => ({
  service: new RacePathInfoService([new MemoryPathInfoService(), new MemoryPathInfoService()]),
  cleanup: noCleanup,
}));

pathInfoServiceConformance(
  "keyfile-signing over memory (composition)",
  async () => {
    const { dir, cleanup } = await tempDir();
    await writeFile(join(dir, "key"), `${SECRET}\n`);
    return {
      service: storeComposition({
        pathinfo: {
          default: { type: "keyfile-signing", inner: "m", keyfile: join(dir, "key") },
          m: { type: "memory" },
        },
      }).build("pathinfo", "default"),
      cleanup,
    };
  },
  { addsSignatures: true },
);

describe("PathInfoService specifics", () => {
  it("lru evicts the least recently used entry; get refreshes", async () => {
    const s = new LruPathInfoService(2);
    const [a, b, c] = [somePathInfo(1), somePathInfo(2), somePathInfo(3)];
    await s.put(a);
    await s.put(b);
    await s.get(a.storePath.digest);
    await s.put(c);
    assert.ok(await s.get(a.storePath.digest));
    assert.equal(await s.get(b.storePath.digest), undefined);
    assert.ok(await s.get(c.storePath.digest));
  });

  it("cache fills near from far", async () => {
    const near = new MemoryPathInfoService();
    const far = new MemoryPathInfoService();
    const a = somePathInfo(1);
    await far.put(a);
    const s = new CachePathInfoService(near, far);
    assert.ok(await s.get(a.storePath.digest));
    assert.ok(await near.get(a.storePath.digest));
  });

  it("priority and race: absence only when nobody failed", async () => {
    const broken = {
      get: async () => {
        throw new PathInfoServiceError("backend", "down");
      },
      put: async () => {
        throw new Error("no");
      },
      list: () => [] as never,
      close: async () => {},
    };
    const m = new MemoryPathInfoService();
    const a = somePathInfo(1);
    await m.put(a);
    for (const s of [
      new PriorityPathInfoService([broken, m]),
      new RacePathInfoService([broken, m]),
    ]) {
      assert.ok(await s.get(a.storePath.digest));
      await assert.rejects(s.get(somePathInfo(2).storePath.digest), /down/);
    }
  });

  it("the signing wrapper adds a verifiable signature once", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, "key"), SECRET);
      const s = SigningPathInfoService.fromKeyFile(new MemoryPathInfoService(), join(dir, "key"));
      const a = somePathInfo(1);
      const stored = await s.put(a);
      const again = await s.put(stored);
      assert.equal(again.signatures.length, 1);
      assert.ok(parseVerifyingKey(PUBLIC).verify(a.fingerprint(), stored.signatures[0]!));
    } finally {
      await cleanup();
    }
  });

  it("sqlite reports a corrupt row as an integrity error", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = join(dir, "p.sqlite");
      const s = pathInfoServiceFromUrl(`sqlite://${file}`);
      const a = somePathInfo(1);
      await s.put(a);
      await s.close();
      const db = new DatabaseSync(file);
      db.prepare("UPDATE pathinfo SET data = ?").run(new Uint8Array([1, 2, 3]));
      db.close();
      const s2 = pathInfoServiceFromUrl(`sqlite://${file}`);
      await assert.rejects(
        s2.get(a.storePath.digest),
        (e) => e instanceof PathInfoServiceError && e.kind === "integrity",
      );
      await s2.close();
    } finally {
      await cleanup();
    }
  });

  it("URL vectors", () => {
    for (const good of [
      "memory://",
      "sqlite://",
      "sqlite:///tmp/x/y.sqlite",
      "lru://?capacity=5",
    ]) {
      assert.ok(pathInfoServiceFromUrl(good), good);
    }
    for (const bad of [
      "http://foo.example/test",
      "memory://foo",
      "memory:///",
      "memory:///foo",
      "sqlite:///",
      "sqlite://foo.example",
      "sqlite://foo.example/tmp/bar",
      "lru://",
      "lru://?capacity=0",
      "lru://?capacity=x",
      "redb:///tmp/x",
    ]) {
      assert.throws(() => pathInfoServiceFromUrl(bad), ConfigError, bad);
    }
  });
});

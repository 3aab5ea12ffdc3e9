/** Runs the shared conformance suites against every backend. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  blobServiceFromUrl,
  CacheDirectoryService,
  compositionFromToml,
  directoryServiceFromUrl,
  MemoryDirectoryService,
} from "../src/index.ts";
import { blobServiceConformance } from "./support/blob-conformance.ts";
import { directoryServiceConformance } from "./support/directory-conformance.ts";

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "castore-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const noCleanup = async () => {};

blobServiceConformance("memory://", async () => ({
  service: blobServiceFromUrl("memory://"),
  cleanup: noCleanup,
}));

blobServiceConformance("objectstore+memory:/// (small chunks)", async () => ({
  service: blobServiceFromUrl("objectstore+memory:///?avg_chunk_size=16384"),
  cleanup: noCleanup,
}));

blobServiceConformance("objectstore+file:///DIR (default chunks)", async () => {
  const { dir, cleanup } = await tempDir();
  const url = `objectstore+file://${dir}`;
  return { service: blobServiceFromUrl(url), reopen: async () => blobServiceFromUrl(url), cleanup };
});

directoryServiceConformance("memory://", async () => ({
  service: directoryServiceFromUrl("memory://"),
  cleanup: noCleanup,
}));

directoryServiceConformance("sqlite:// (in memory)", async () => ({
  service: directoryServiceFromUrl("sqlite://"),
  cleanup: noCleanup,
}));

directoryServiceConformance("sqlite:///FILE", async () => {
  const { dir, cleanup } = await tempDir();
  const url = `sqlite://${join(dir, "dirs.sqlite")}`;
  return {
    service: directoryServiceFromUrl(url),
    reopen: async () => directoryServiceFromUrl(url),
    cleanup,
  };
});

directoryServiceConformance(
  "objectstore+file:///DIR",
  async () => {
    const { dir, cleanup } = await tempDir();
    const url = `objectstore+file://${dir}`;
    return {
      service: directoryServiceFromUrl(url),
      reopen: async () => directoryServiceFromUrl(url),
      cleanup,
    };
  },
  { rootsOnly: true },
);

directoryServiceConformance("cache://?near=memory://&far=memory://", async () => ({
  service: directoryServiceFromUrl("cache://?near=memory://&far=memory://"),
  cleanup: noCleanup,
}));

directoryServiceConformance(
  "cache (near memory, far objectstore)",
  async () => {
    const { dir, cleanup } = await tempDir();
    return {
      service: new CacheDirectoryService(
        new MemoryDirectoryService(),
        directoryServiceFromUrl(`objectstore+file://${dir}`),
      ),
      cleanup,
    };
  },
  { rootsOnly: true },
);

// Combinators, built the way users build them: from a composition file.
const combos = compositionFromToml.bind(null);

blobServiceConformance("priority [memory, objectstore+memory] (composition)", async () => {
  const c = combos(`
[blobservices.default]
type = "priority"
services = ["fast", "objectstore+memory:///?avg_chunk_size=16384"]
[blobservices.fast]
type = "memory"
`);
  return { service: c.blobService(), cleanup: () => c.close() };
});

blobServiceConformance("race [objectstore+memory, memory] (composition)", async () => {
  const c = combos(`
[blobservices.default]
type = "race"
services = ["objectstore+memory:///?avg_chunk_size=16384", "memory://"]
`);
  return { service: c.blobService(), cleanup: () => c.close() };
});

blobServiceConformance("combined (memory local, memory remote)", async () => {
  const c = combos(`
[blobservices.default]
type = "combined"
local = "memory://"
remote = "memory://"
`);
  return { service: c.blobService(), cleanup: () => c.close() };
});

directoryServiceConformance("priority [sqlite, memory] (composition)", async () => {
  const c = combos(`
[directoryservices.default]
type = "priority"
services = ["sqlite://", "memory://"]
`);
  return { service: c.directoryService(), cleanup: () => c.close() };
});

directoryServiceConformance("race [memory, sqlite] (composition)", async () => {
  const c = combos(`
[directoryservices.default]
type = "race"
services = ["memory://", "sqlite://"]
`);
  return { service: c.directoryService(), cleanup: () => c.close() };
});

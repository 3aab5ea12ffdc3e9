/** Runs the shared conformance suites against every backend. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  blobServiceFromUrl,
  CacheDirectoryService,
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

/** The shared conformance suites through gRPC clients talking to gRPC servers (TCP and Unix). */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as fx from "../src/fixtures.ts";
import {
  blobServiceFromUrl,
  ConfigError,
  directoryServiceFromUrl,
  MemoryBlobService,
  MemoryDirectoryService,
  MemoryObjectStore,
  ObjectStoreBlobService,
  serveCastore,
} from "../src/index.ts";
import { blobServiceConformance } from "./support/blob-conformance.ts";
import { directoryServiceConformance } from "./support/directory-conformance.ts";

blobServiceConformance("grpc+http:// -> memory://", async () => {
  const server = await serveCastore({
    blobService: new MemoryBlobService(),
    listen: "127.0.0.1:0",
  });
  return {
    service: blobServiceFromUrl(`grpc+http://${server.address}`),
    cleanup: () => server.close(),
  };
});

blobServiceConformance("grpc+unix:// -> objectstore+memory (small chunks)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "castore-grpc-"));
  const sock = join(dir, "sock");
  const server = await serveCastore({
    blobService: new ObjectStoreBlobService(new MemoryObjectStore(), { avgChunkSize: 16384 }),
    listen: `unix:${sock}`,
  });
  return {
    service: blobServiceFromUrl(`grpc+unix://${sock}`),
    cleanup: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

directoryServiceConformance("grpc+http:// -> memory://", async () => {
  const server = await serveCastore({
    directoryService: new MemoryDirectoryService(),
    listen: "127.0.0.1:0",
  });
  return {
    service: directoryServiceFromUrl(`grpc+http://${server.address}`),
    cleanup: () => server.close(),
  };
});

directoryServiceConformance("grpc+http:// -> sqlite://", async () => {
  const server = await serveCastore({
    directoryService: directoryServiceFromUrl("sqlite://"),
    listen: "127.0.0.1:0",
  });
  return {
    service: directoryServiceFromUrl(`grpc+http://${server.address}`),
    cleanup: () => server.close(),
  };
});

describe("gRPC specifics", () => {
  it("client URLs are validated (spec §2.5, §16.5)", () => {
    for (const ok of [
      "grpc+unix:///path/to/somewhere",
      "grpc+http://[::1]:12345",
      "grpc+http://localhost",
      "grpc+https://localhost",
      "grpc+http://localhost?wait-connect=0",
    ]) {
      blobServiceFromUrl(ok);
      directoryServiceFromUrl(ok);
    }
    for (const bad of [
      "grpc+unix://host.example/path/to/somewhere",
      "grpc+http://localhost/some-path",
      "grpc+ftp://x",
    ]) {
      assert.throws(() => blobServiceFromUrl(bad), ConfigError, bad);
    }
  });

  it("a server that is not there is a backend error", async () => {
    const svc = blobServiceFromUrl("grpc+http://127.0.0.1:1");
    await assert.rejects(
      svc.has(fx.BLOB_A_DIGEST),
      (e: unknown) => (e as { kind?: string }).kind === "backend",
    );
  });

  it("an invalid directory sent by a client is INVALID_ARGUMENT -> invalid-request", async () => {
    const server = await serveCastore({
      directoryService: new MemoryDirectoryService(),
      listen: "127.0.0.1:0",
    });
    try {
      const client = directoryServiceFromUrl(`grpc+http://${server.address}`);
      // Dangling reference: B without A.
      await assert.rejects(
        client.put(fx.DIRECTORY_B),
        (e: unknown) => (e as { kind?: string }).kind === "invalid-request",
      );
    } finally {
      await server.close();
    }
  });
});

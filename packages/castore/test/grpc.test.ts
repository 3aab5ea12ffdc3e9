/** The shared conformance suites through gRPC clients talking to gRPC servers (TCP and Unix). */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
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

  it("a message declared larger than the server takes fails at once; blobs go in 1 MiB messages", {
    timeout: 10_000,
  }, async () => {
    const blobs = new MemoryBlobService();
    const server = await serveCastore({ blobService: blobs, listen: "127.0.0.1:0" });
    try {
      // A Put whose first message claims 4 GiB, followed by a little data, then nothing more.
      const session = connect(`http://${server.address}`);
      const status = await new Promise<string | undefined>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/tvix.castore.v1.BlobService/Put",
          "content-type": "application/grpc",
          te: "trailers",
        });
        let grpcStatus: string | undefined;
        stream.on("response", (h) => {
          grpcStatus ??= h["grpc-status"] as string | undefined;
        });
        // The answer comes while the request is still open (it is never finished here).
        stream.on("trailers", (h) => {
          resolve(grpcStatus ?? (h["grpc-status"] as string | undefined));
          stream.close();
        });
        stream.on("close", () => resolve(grpcStatus));
        stream.on("error", reject);
        stream.resume();
        stream.write(Buffer.from([0, 0xff, 0xff, 0xff, 0xff]));
        stream.write(Buffer.alloc(1024 * 1024));
      });
      session.close();
      assert.equal(status, String(Code.ResourceExhausted));
      // Our client splits a blob handed over whole: 5 MiB is five messages, and it arrives.
      const client = blobServiceFromUrl(`grpc+http://${server.address}`);
      const data = new Uint8Array(randomBytes(5 * 1024 * 1024 + 3));
      const w = client.openWrite();
      await w.write(data, { transfer: true });
      const digest = await w.close();
      assert.ok(await blobs.has(digest));
    } finally {
      await server.close();
    }
  });

  it("an unknown method is UNIMPLEMENTED (HTTP 200, grpc-status 12), as from Tvix", async () => {
    const server = await serveCastore({
      blobService: new MemoryBlobService(),
      listen: "127.0.0.1:0",
    });
    const session = connect(`http://${server.address}`);
    try {
      for (const path of [
        "/tvix.castore.v1.BlobService/Nope",
        "/tvix.castore.v1.blobservice/put",
      ]) {
        const head = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const stream = session.request({
            ":method": "POST",
            ":path": path,
            "content-type": "application/grpc",
            te: "trailers",
          });
          stream.on("response", (h) => resolve(h));
          stream.on("error", reject);
          stream.resume();
          stream.end(Buffer.from([0, 0, 0, 0, 0]));
        });
        assert.equal(head[":status"], 200, path);
        assert.equal(head["grpc-status"], String(Code.Unimplemented), path);
      }
    } finally {
      session.close();
      await server.close();
    }
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

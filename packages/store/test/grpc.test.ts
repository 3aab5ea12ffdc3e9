/** PathInfoService over gRPC: the shared suite, status codes, CalculateNAR, import via a daemon. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { blobServiceFromUrl, directoryServiceFromUrl, transportFromUrl } from "@tvix-ts/castore";
import { NodeSchema } from "../src/gen/tvix/castore/v1/castore_pb.ts";
import {
  PathInfoService as Desc,
  GetPathInfoRequestSchema,
} from "../src/gen/tvix/store/v1/rpc_pathinfo_pb.ts";
import {
  calculateNar,
  importPath,
  MemoryPathInfoService,
  narCalculator,
  openStore,
  type PathInfoService,
  pathInfoServiceFromUrl,
  pathInfoToProto,
  SimpleNarCalculator,
  serveStore,
} from "../src/index.ts";
import { pathInfoFixture, somePathInfo } from "./support/fixtures.ts";
import { pathInfoServiceConformance } from "./support/pathinfo-conformance.ts";

async function daemon() {
  const blobService = blobServiceFromUrl("memory://");
  const directoryService = directoryServiceFromUrl("memory://");
  const pathInfoService = new MemoryPathInfoService();
  const server = await serveStore({
    blobService,
    directoryService,
    pathInfoService,
    narCalculationService: new SimpleNarCalculator(blobService, directoryService),
    listen: "127.0.0.1:0",
  });
  return {
    server,
    blobService,
    directoryService,
    pathInfoService,
    url: `grpc+http://${server.address}`,
  };
}

pathInfoServiceConformance("grpc+http (memory behind)", async () => {
  const d = await daemon();
  const service = pathInfoServiceFromUrl(d.url);
  return { service, cleanup: () => d.server.close() };
});

describe("gRPC PathInfoService", () => {
  let d: Awaited<ReturnType<typeof daemon>>;
  let client: PathInfoService;
  before(async () => {
    d = await daemon();
    client = pathInfoServiceFromUrl(d.url);
  });
  after(async () => {
    await client.close();
    await d.server.close();
  });

  it("answers Tvix's status codes", async () => {
    const raw = createClient(Desc, transportFromUrl(d.url));
    const code = (c: Code) => (e: unknown) => e instanceof ConnectError && e.code === c;
    await assert.rejects(raw.get(create(GetPathInfoRequestSchema)), code(Code.Unimplemented));
    await assert.rejects(
      raw.get(
        create(GetPathInfoRequestSchema, {
          byWhat: { case: "byOutputHash", value: new Uint8Array(3) },
        }),
      ),
      code(Code.InvalidArgument),
    );
    await assert.rejects(
      raw.get(
        create(GetPathInfoRequestSchema, {
          byWhat: { case: "byOutputHash", value: new Uint8Array(20) },
        }),
      ),
      code(Code.NotFound),
    );
    const bad = pathInfoToProto(pathInfoFixture());
    bad.narinfo!.narSha256 = new Uint8Array(2);
    await assert.rejects(
      raw.put(bad),
      (e) => code(Code.InvalidArgument)(e) && /Invalid path info/.test((e as Error).message),
    );
    const named = create(NodeSchema, {
      node: { case: "symlink", value: { name: Buffer.from("x"), target: Buffer.from("y") } },
    });
    await assert.rejects(raw.calculateNAR(named), code(Code.InvalidArgument));
    const missing = create(NodeSchema, {
      node: {
        case: "directory",
        value: { name: new Uint8Array(0), digest: new Uint8Array(32).fill(1), size: 0n },
      },
    });
    await assert.rejects(raw.calculateNAR(missing), code(Code.NotFound));
  });

  it("the PATH_INFO fixture round-trips through the wire unchanged", async () => {
    const info = pathInfoFixture();
    await client.put(info);
    const back = await client.get(info.storePath.digest);
    assert.deepEqual(pathInfoToProto(back!), pathInfoToProto(info));
  });

  it("computes NAR hashes on the server and imports through the daemon", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-grpc-"));
    try {
      await writeFile(join(dir, "f"), "contents\n");
      const store = openStore({
        blobServiceAddr: d.url,
        directoryServiceAddr: d.url,
        pathInfoServiceAddr: d.url,
      });
      assert.ok(narCalculator(store) instanceof Object);
      assert.equal(narCalculator(store), store.pathInfoService.narCalculationService?.());
      const info = await importPath(store, join(dir, "f"));
      const local = await calculateNar(info.node, d.blobService, d.directoryService);
      assert.deepEqual(local.narSha256, info.narSha256);
      assert.ok(await d.pathInfoService.get(info.storePath.digest));
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("lists over a stream", async () => {
    for (let i = 0; i < 5; i++) await client.put(somePathInfo(500 + i));
    let n = 0;
    for await (const _ of client.list()) n++;
    assert.ok(n >= 5);
  });

  it("a server that is gone is a backend error", async () => {
    const gone = pathInfoServiceFromUrl("grpc+http://127.0.0.1:1");
    await assert.rejects(
      gone.get(new Uint8Array(20)),
      (e: unknown) => (e as { kind?: string }).kind === "backend",
    );
  });
});

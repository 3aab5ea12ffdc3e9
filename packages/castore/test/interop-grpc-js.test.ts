/**
 * Interop: an independent gRPC stack (@grpc/grpc-js with @grpc/proto-loader reading our .proto
 * files at run time — no generated code shared with the server) talks to castore's server over
 * TCP and a Unix socket: blobs and directory closures round-trip, and bad requests get the
 * status codes Tvix's server gives.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as fx from "../src/fixtures.ts";
import {
  type CastoreServer,
  type Directory,
  digestToHex,
  MemoryDirectoryService,
  MemoryObjectStore,
  ObjectStoreBlobService,
  serveCastore,
} from "../src/index.ts";

const PROTOS = join(import.meta.dirname, "../../../protos");

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
interface ClientStream<T> {
  write(msg: T): boolean;
  end(): void;
}
interface ServerStream<T> extends AsyncIterable<T> {
  on(event: "error", f: (e: grpc.ServiceError) => void): this;
}
interface BlobClient extends grpc.Client {
  Stat(req: object, cb: Callback<{ chunks: { digest: Buffer; size: string }[] }>): void;
  Read(req: object): ServerStream<{ data: Buffer }>;
  Put(cb: Callback<{ digest: Buffer }>): ClientStream<{ data: Uint8Array }>;
}
interface GrpcDirectory {
  directories: { name: Buffer; digest: Buffer; size: string }[];
  files: { name: Buffer; digest: Buffer; size: string; executable: boolean }[];
  symlinks: { name: Buffer; target: Buffer }[];
}
interface DirectoryClient extends grpc.Client {
  Get(req: object): ServerStream<GrpcDirectory>;
  Put(cb: Callback<{ root_digest: Buffer }>): ClientStream<object>;
}

const definition = protoLoader.loadSync(
  ["tvix/castore/v1/rpc_blobstore.proto", "tvix/castore/v1/rpc_directory.proto"],
  { includeDirs: [PROTOS], keepCase: true, longs: String, defaults: true },
);
const pkg = grpc.loadPackageDefinition(definition) as unknown as {
  tvix: {
    castore: {
      v1: {
        BlobService: new (addr: string, creds: grpc.ChannelCredentials) => BlobClient;
        DirectoryService: new (addr: string, creds: grpc.ChannelCredentials) => DirectoryClient;
      };
    };
  };
};
const v1 = pkg.tvix.castore.v1;

/** Our Directory as the plain object proto-loader encodes. */
function wire(d: Directory): GrpcDirectory {
  const out: GrpcDirectory = { directories: [], files: [], symlinks: [] };
  for (const { name, node } of d.entries()) {
    const n = Buffer.from(name);
    if (node.type === "directory") {
      out.directories.push({ name: n, digest: Buffer.from(node.digest), size: String(node.size) });
    } else if (node.type === "file") {
      out.files.push({
        name: n,
        digest: Buffer.from(node.digest),
        size: String(node.size),
        executable: node.executable,
      });
    } else {
      out.symlinks.push({ name: n, target: Buffer.from(node.target) });
    }
  }
  return out;
}

const unary = <T>(f: (cb: Callback<T>) => void) =>
  new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));

async function putBlob(c: BlobClient, data: Uint8Array, piece = 100_000): Promise<Buffer> {
  let stream: ClientStream<{ data: Uint8Array }> | undefined;
  const done = unary<{ digest: Buffer }>((cb) => {
    stream = c.Put(cb);
  });
  for (let o = 0; o < data.length; o += piece) stream!.write({ data: data.subarray(o, o + piece) });
  stream!.end();
  return (await done).digest;
}

async function collect<T>(s: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of s) out.push(x);
  return out;
}

async function putDirs(c: DirectoryClient, dirs: readonly (Directory | object)[]): Promise<Buffer> {
  let stream: ClientStream<object> | undefined;
  const done = unary<{ root_digest: Buffer }>((cb) => {
    stream = c.Put(cb);
  });
  for (const d of dirs) stream!.write("entries" in d ? wire(d as Directory) : d);
  stream!.end();
  return (await done).root_digest;
}

function status(code: grpc.status) {
  return (e: unknown) => {
    assert.equal((e as grpc.ServiceError).code, code, String(e));
    return true;
  };
}

for (const transport of ["tcp", "unix"] as const) {
  describe(`interop: @grpc/grpc-js client -> castore server (${transport})`, () => {
    let server: CastoreServer;
    let dir: string;
    let blobs: BlobClient;
    let dirs: DirectoryClient;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "castore-interop-"));
      server = await serveCastore({
        // Small chunks, so Stat has a chunk list to report.
        blobService: new ObjectStoreBlobService(new MemoryObjectStore(), { avgChunkSize: 65536 }),
        directoryService: new MemoryDirectoryService(),
        listen: transport === "tcp" ? "127.0.0.1:0" : `unix:${join(dir, "sock")}`,
      });
      const target = transport === "tcp" ? server.address : `unix:${server.address}`;
      blobs = new v1.BlobService(target, grpc.credentials.createInsecure());
      dirs = new v1.DirectoryService(target, grpc.credentials.createInsecure());
    });

    after(async () => {
      blobs.close();
      dirs.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("puts blobs and gets them back with the spec digests", async () => {
      for (const [data, digest] of [
        [fx.EMPTY_BLOB_CONTENTS, fx.EMPTY_BLOB_DIGEST],
        [fx.HELLOWORLD_BLOB_CONTENTS, fx.HELLOWORLD_BLOB_DIGEST],
        [fx.BLOB_B, fx.BLOB_B_DIGEST],
      ] as const) {
        const got = await putBlob(blobs, data);
        assert.equal(got.toString("hex"), digestToHex(digest));
        const chunks = await collect(blobs.Read({ digest: got }));
        assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), Buffer.from(data));
      }
    });

    it("Stat lists chunks that can be read one by one", async () => {
      const st = await unary<{ chunks: { digest: Buffer; size: string }[] }>((cb) =>
        blobs.Stat({ digest: Buffer.from(fx.BLOB_B_DIGEST), send_chunks: true }, cb),
      );
      assert.ok(st.chunks.length > 2);
      const parts: Buffer[] = [];
      for (const c of st.chunks) {
        const data = Buffer.concat(
          (await collect(blobs.Read({ digest: c.digest }))).map((x) => x.data),
        );
        assert.equal(data.length, Number(c.size));
        parts.push(data);
      }
      assert.deepEqual(Buffer.concat(parts), Buffer.from(fx.BLOB_B));
    });

    it("absent blobs are NOT_FOUND; digests of the wrong length are INVALID_ARGUMENT", async () => {
      await assert.rejects(
        unary((cb) => blobs.Stat({ digest: Buffer.from(fx.DUMMY_DIGEST) }, cb)),
        status(grpc.status.NOT_FOUND),
      );
      await assert.rejects(
        collect(blobs.Read({ digest: Buffer.from(fx.DUMMY_DIGEST) })),
        status(grpc.status.NOT_FOUND),
      );
      await assert.rejects(
        unary((cb) => blobs.Stat({ digest: Buffer.alloc(31) }, cb)),
        status(grpc.status.INVALID_ARGUMENT),
      );
      await assert.rejects(
        collect(blobs.Read({ digest: Buffer.alloc(5) })),
        status(grpc.status.INVALID_ARGUMENT),
      );
    });

    it("puts a directory closure leaves to root and gets it back root first", async () => {
      const root = await putDirs(dirs, [fx.DIRECTORY_A, fx.DIRECTORY_B, fx.DIRECTORY_D]);
      assert.equal(root.toString("hex"), digestToHex(fx.DIRECTORY_D.digest()));
      const got = await collect(dirs.Get({ digest: root, recursive: true }));
      assert.deepEqual(
        got,
        [wire(fx.DIRECTORY_D), wire(fx.DIRECTORY_A), wire(fx.DIRECTORY_B)].map((d) => ({ ...d })),
      );
      const one = await collect(dirs.Get({ digest: Buffer.from(fx.DIRECTORY_B.digest()) }));
      assert.deepEqual(one, [wire(fx.DIRECTORY_B)]);
      // A directory with files and symlinks survives the other stack's encoding too.
      const r2 = await putDirs(dirs, [fx.DIRECTORY_WITH_KEEP, fx.DIRECTORY_COMPLICATED]);
      assert.equal(r2.toString("hex"), digestToHex(fx.DIRECTORY_COMPLICATED.digest()));
      assert.deepEqual(await collect(dirs.Get({ digest: r2 })), [wire(fx.DIRECTORY_COMPLICATED)]);
    });

    it("absent directories: empty recursive stream (as Tvix), NOT_FOUND otherwise; bad digests INVALID_ARGUMENT", async () => {
      await assert.rejects(
        collect(dirs.Get({ digest: Buffer.from(fx.DUMMY_DIGEST) })),
        status(grpc.status.NOT_FOUND),
      );
      await assert.rejects(collect(dirs.Get({})), status(grpc.status.INVALID_ARGUMENT));
      assert.deepEqual(
        await collect(dirs.Get({ digest: Buffer.from(fx.DUMMY_DIGEST), recursive: true })),
        [],
      );
      await assert.rejects(
        collect(dirs.Get({ digest: Buffer.alloc(3) })),
        status(grpc.status.INVALID_ARGUMENT),
      );
    });

    it("invalid directories and out-of-order closures are INVALID_ARGUMENT", async () => {
      const bad = {
        directories: [],
        files: [
          {
            name: Buffer.from("a/b"),
            digest: Buffer.from(fx.BLOB_A_DIGEST),
            size: "2",
            executable: false,
          },
        ],
        symlinks: [],
      };
      const unsorted = {
        directories: [],
        files: [
          {
            name: Buffer.from("b"),
            digest: Buffer.from(fx.BLOB_A_DIGEST),
            size: "2",
            executable: false,
          },
          {
            name: Buffer.from("a"),
            digest: Buffer.from(fx.BLOB_A_DIGEST),
            size: "2",
            executable: false,
          },
        ],
        symlinks: [],
      };
      const shortDigest = {
        directories: [],
        files: [{ name: Buffer.from("a"), digest: Buffer.alloc(12), size: "2", executable: false }],
        symlinks: [],
      };
      const wrongSize = {
        ...wire(fx.DIRECTORY_B),
        directories: [
          { name: Buffer.from("a"), digest: Buffer.from(fx.DIRECTORY_A.digest()), size: "7" },
        ],
      };
      for (const [what, closure] of [
        ["name with a slash", [bad]],
        ["unsorted entries", [unsorted]],
        ["short digest", [shortDigest]],
        ["root before its child", [fx.DIRECTORY_B, fx.DIRECTORY_A]],
        ["dangling child", [fx.DIRECTORY_B]],
        ["two roots", [fx.DIRECTORY_A, fx.DIRECTORY_C, fx.DIRECTORY_B]],
        ["wrong edge size", [fx.DIRECTORY_A, wrongSize]],
        ["nothing", []],
      ] as const) {
        await assert.rejects(putDirs(dirs, closure), status(grpc.status.INVALID_ARGUMENT), what);
      }
    });
  });
}

/** Corrupt storage, bad URLs, out-of-order downloads: each must be a typed error. */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import * as fx from "../src/fixtures.ts";
import {
  BlobServiceError,
  blake3,
  blobServiceFromUrl,
  ChunkedReader,
  ConfigError,
  collectClosure,
  DirectoryServiceError,
  DownloadValidator,
  digestToHex,
  directoryServiceFromUrl,
  GrpcCode,
  grpcCodeOf,
  putClosure,
  readAll,
  ValidationError,
} from "../src/index.ts";
import { noise } from "./support/blob-conformance.ts";

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), "castore-bad-"));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const kind =
  (cls: typeof BlobServiceError | typeof DirectoryServiceError, k: string) => (e: unknown) =>
    e instanceof cls && e.kind === k;

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

describe("service URLs (spec §16.5)", () => {
  it("accepts the supported forms", () => {
    blobServiceFromUrl("memory://");
    blobServiceFromUrl("objectstore+memory:///");
    blobServiceFromUrl(`objectstore+file://${work}/x`);
    directoryServiceFromUrl("memory://");
    directoryServiceFromUrl("sqlite://");
    directoryServiceFromUrl("objectstore+memory:///");
    directoryServiceFromUrl("cache://?near=memory://&far=memory://");
  });
  it("rejects the invalid ones with ConfigError", () => {
    for (const url of [
      "http://foo.example/test",
      "memory://foo",
      "memory:///",
      "memory:///foo",
      "objectstore+file://host/dir",
      "objectstore+gopher:///x",
      "objectstore+memory:///?avg_chunk_size=3",
      "not a url",
    ]) {
      assert.throws(() => blobServiceFromUrl(url), ConfigError, url);
    }
    for (const url of [
      "sqlite:///",
      "sqlite://foo.example/bar",
      "cache://?near=memory://",
      "redis://x",
    ]) {
      assert.throws(() => directoryServiceFromUrl(url), ConfigError, url);
    }
  });
});

describe("corrupt storage is an integrity error", () => {
  it("objectstore+file blob: flipped chunk byte, missing chunk, garbage index", async () => {
    const dir = join(work, "blobs");
    const svc = blobServiceFromUrl(`objectstore+file://${dir}?avg_chunk_size=16384`);
    const data = noise(9, 200_000);
    const w = svc.openWrite();
    await w.write(data);
    const digest = await w.close();
    const chunkFiles = await files(join(dir, "chunks"));
    assert.ok(chunkFiles.length > 2);
    // Flip a byte in one chunk's contents (re-compressed so only the hash check can catch it).
    const victim = chunkFiles[1]!;
    const raw = new Uint8Array(zstdDecompressSync(await readFile(victim)));
    raw[0] = raw[0]! ^ 0xff;
    await writeFile(victim, zstdCompressSync(raw));
    const r = (await svc.openRead(digest))!;
    await assert.rejects(readAll(r), kind(BlobServiceError, "integrity"));
    // Not zstd at all.
    await writeFile(victim, "garbage");
    await assert.rejects(
      readAll((await svc.openRead(digest))!),
      kind(BlobServiceError, "integrity"),
    );
    // Missing chunk.
    await rm(victim);
    await assert.rejects(
      readAll((await svc.openRead(digest))!),
      kind(BlobServiceError, "integrity"),
    );
    // Garbage index.
    const [index] = await files(join(dir, "blobs"));
    await writeFile(index!, new Uint8Array([0xff, 0xff, 0xff]));
    await assert.rejects(svc.openRead(digest), kind(BlobServiceError, "integrity"));
    await assert.rejects(
      svc.stat(digest, { withChunks: true }),
      kind(BlobServiceError, "integrity"),
    );
  });

  it("sqlite directory: a row whose bytes do not hash to its key", async () => {
    const db = join(work, "bad.sqlite");
    const svc = directoryServiceFromUrl(`sqlite://${db}`);
    await putClosure(svc, [fx.DIRECTORY_A, fx.DIRECTORY_B]);
    const conn = new DatabaseSync(db);
    conn
      .prepare("UPDATE directories SET data = ? WHERE digest = ?")
      .run(fx.DIRECTORY_WITH_KEEP.encode(), fx.DIRECTORY_B.digest());
    conn.close();
    await assert.rejects(
      svc.get(fx.DIRECTORY_B.digest()),
      kind(DirectoryServiceError, "integrity"),
    );
    // A child missing from a stored closure.
    const conn2 = new DatabaseSync(db);
    conn2
      .prepare("UPDATE directories SET data = ? WHERE digest = ?")
      .run(fx.DIRECTORY_B.encode(), fx.DIRECTORY_B.digest());
    conn2.prepare("DELETE FROM directories WHERE digest = ?").run(fx.DIRECTORY_A.digest());
    conn2.close();
    await assert.rejects(
      collectClosure(svc.getRecursive(fx.DIRECTORY_B.digest())),
      kind(DirectoryServiceError, "integrity"),
    );
    await svc.close();
  });

  it("objectstore+file closure: truncated, or with an unexpected directory", async () => {
    const dir = join(work, "dirs");
    const svc = directoryServiceFromUrl(`objectstore+file://${dir}`);
    const root = await putClosure(svc, [fx.DIRECTORY_WITH_KEEP, fx.DIRECTORY_COMPLICATED]);
    const [obj] = await files(join(dir, "dirs"));
    const raw = new Uint8Array(zstdDecompressSync(await readFile(obj!)));
    await writeFile(obj!, zstdCompressSync(raw.subarray(0, raw.length - 5)));
    await assert.rejects(
      collectClosure(svc.getRecursive(root)),
      kind(DirectoryServiceError, "integrity"),
    );
    // Missing the second frame entirely: premature end.
    const first = 4 + new DataView(raw.buffer, raw.byteOffset).getUint32(0);
    await writeFile(obj!, zstdCompressSync(raw.subarray(0, first)));
    await assert.rejects(
      collectClosure(svc.getRecursive(root)),
      kind(DirectoryServiceError, "integrity"),
    );
    // A frame that nobody referred to.
    const extra = fx.DIRECTORY_B.encode();
    const hdr = new Uint8Array(4);
    new DataView(hdr.buffer).setUint32(0, extra.length);
    await writeFile(obj!, zstdCompressSync(Buffer.concat([raw, hdr, extra])));
    await assert.rejects(
      collectClosure(svc.getRecursive(root)),
      kind(DirectoryServiceError, "integrity"),
    );
    // Non-leaf directories cannot be put alone on a closure-per-root store.
    await assert.rejects(svc.put(fx.DIRECTORY_B), kind(DirectoryServiceError, "invalid-request"));
  });
});

describe("download order validation (spec §16.2)", () => {
  it("root C then B fails; root B receiving A first fails", () => {
    const v = new DownloadValidator(fx.DIRECTORY_C.digest());
    v.add(fx.DIRECTORY_C.digest(), fx.DIRECTORY_C);
    assert.throws(
      () => v.add(fx.DIRECTORY_B.digest(), fx.DIRECTORY_B),
      kind(DirectoryServiceError, "integrity"),
    );
    const w = new DownloadValidator(fx.DIRECTORY_B.digest());
    assert.throws(
      () => w.add(fx.DIRECTORY_A.digest(), fx.DIRECTORY_A),
      kind(DirectoryServiceError, "integrity"),
    );
    w.add(fx.DIRECTORY_B.digest(), fx.DIRECTORY_B);
    assert.throws(() => w.finish(), /premature end/);
    w.add(fx.DIRECTORY_A.digest(), fx.DIRECTORY_A);
    w.finish();
  });
});

describe("ChunkedReader (spec §16.1 chunk vectors)", () => {
  const chunks = ["0001", "02030405", "06", "0708", "090a0b0c0d0e0f"].map((h) =>
    Buffer.from(h, "hex"),
  );
  const expected = [
    "7b7015bb92cf0b318037702a6cdd81dee41224f734684c2c122cd6359cb1ee63",
    "024a7fdb2a86c4eae9600a1cfbfd4487ddc15c0a8fa59abfebd6f92bd0031fe5",
    "1c310b6bdadd69991cd4e5dbef96c2638536c32b534e3ed64785846bfcebd206",
    "d241b5ab32d2206564b51c8ec05944f6af6d7622c2f607f34c0622223a2b3cd7",
    "465ded54852258aadefafc109bac1cb1c1275ad9ac15af4fe9996dff9473f50e",
  ];
  const store = new Map(chunks.map((c) => [digestToHex(blake3(c)), new Uint8Array(c)]));
  const metas = chunks.map((c) => ({ digest: blake3(c), size: c.length }));
  const reader = () => new ChunkedReader(metas, async (d) => store.get(digestToHex(d)));

  it("chunk digests", () => {
    assert.deepEqual(
      metas.map((m) => digestToHex(m.digest)),
      expected,
    );
  });
  it("reads, seeks and stops at EOF", async () => {
    const r = reader();
    assert.equal(r.size, 16);
    assert.equal(Buffer.from(await readAll(r)).toString("hex"), "000102030405060708090a0b0c0d0e0f");
    r.seek(-1, "end");
    assert.deepEqual([...(await readAll(r))], [0x0f]);
    for (let p = 0; p <= 16; p++) {
      r.seek(p);
      const rest = await readAll(r);
      assert.deepEqual(
        [...rest],
        Array.from({ length: 16 - p }, (_, i) => p + i),
      );
    }
    assert.throws(() => r.seek(17), kind(BlobServiceError, "invalid-request"));
    assert.throws(() => r.seek(-17, "end"), kind(BlobServiceError, "invalid-request"));
  });
  it("a missing chunk is an integrity error at read time", async () => {
    const r = new ChunkedReader(metas, async (d) =>
      digestToHex(d) === expected[2] ? undefined : store.get(digestToHex(d)),
    );
    assert.equal(Buffer.from(await r.read(100)).toString("hex"), "0001");
    r.seek(6);
    await assert.rejects(r.read(), kind(BlobServiceError, "integrity"));
  });
});

describe("gRPC status mapping", () => {
  it("maps each error kind to its own code", () => {
    assert.equal(grpcCodeOf(new ValidationError("InvalidName", "x")), GrpcCode.INVALID_ARGUMENT);
    assert.equal(
      grpcCodeOf(new BlobServiceError("invalid-request", "x")),
      GrpcCode.INVALID_ARGUMENT,
    );
    assert.equal(grpcCodeOf(new BlobServiceError("integrity", "x")), GrpcCode.DATA_LOSS);
    assert.equal(grpcCodeOf(new DirectoryServiceError("backend", "x")), GrpcCode.INTERNAL);
    assert.equal(grpcCodeOf(new DirectoryServiceError("unsupported", "x")), GrpcCode.UNIMPLEMENTED);
    assert.equal(grpcCodeOf(new Error("x")), GrpcCode.INTERNAL);
  });
});

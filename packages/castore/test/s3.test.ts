/**
 * `objectstore+s3://` against a local S3-compatible test server (SigV4 checked): the shared
 * conformance suites, the object layout, and S3's failure modes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as fx from "../src/fixtures.ts";
import {
  blobServiceFromUrl,
  ConfigError,
  compositionFromToml,
  digestToHex,
  directoryServiceFromUrl,
  putClosure,
  readAll,
  S3ObjectStore,
} from "../src/index.ts";
import { blobServiceConformance } from "./support/blob-conformance.ts";
import { directoryServiceConformance } from "./support/directory-conformance.ts";
import { TestS3Server } from "./support/s3-server.ts";

const CREDS = { accessKeyId: "AKIDTEST", secretAccessKey: "s3cr3t/with+odd=chars" };
let server: TestS3Server | undefined;
let started: Promise<TestS3Server> | undefined;
/** One server for the whole file; each service gets its own prefix. */
const s3 = () => {
  started ??= TestS3Server.start({ buckets: ["castore", "other"], credentials: CREDS }).then(
    (s) => {
      server = s;
      return s;
    },
  );
  return started;
};
after(async () => {
  await server?.close();
});

let n = 0;
async function s3Url(prefix = `t${++n}`, extra = ""): Promise<string> {
  const s = await s3();
  const q = new URLSearchParams({
    endpoint: s.endpoint,
    region: "eu-central-1",
    access_key_id: CREDS.accessKeyId,
    secret_access_key: CREDS.secretAccessKey,
  });
  return `objectstore+s3://castore/${prefix}?${q}${extra}`;
}

blobServiceConformance("objectstore+s3 (small chunks)", async () => {
  const url = await s3Url(undefined, "&avg_chunk_size=16384");
  return {
    service: blobServiceFromUrl(url),
    reopen: async () => blobServiceFromUrl(url),
    cleanup: async () => {},
  };
});

directoryServiceConformance(
  "objectstore+s3",
  async () => {
    const url = await s3Url();
    return {
      service: directoryServiceFromUrl(url),
      reopen: async () => directoryServiceFromUrl(url),
      cleanup: async () => {},
    };
  },
  { rootsOnly: true },
);

describe("objectstore+s3 specifics", () => {
  before(async () => {
    await s3();
  });

  it("stores Tvix's layout under the prefix", async () => {
    const blobs = blobServiceFromUrl(await s3Url("layout/deeper", "&avg_chunk_size=65536"));
    const put = async (data: Uint8Array) => {
      const w = blobs.openWrite();
      await w.write(data);
      return digestToHex(await w.close());
    };
    const small = await put(fx.BLOB_A);
    const big = await put(fx.BLOB_B);
    const dirs = directoryServiceFromUrl(await s3Url("layout/deeper"));
    const root = digestToHex(await putClosure(dirs, [fx.DIRECTORY_A, fx.DIRECTORY_B]));
    const keys = server!.keys("castore").filter((k) => k.startsWith("layout/"));
    const under = (p: string) => keys.filter((k) => k.startsWith(`layout/deeper/${p}/b3/`));
    // A one-chunk blob is its chunk (no index needed: Tvix's reader falls back to the chunk);
    // a chunked one has an index listing its chunks.
    assert.deepEqual(under("blobs"), [`layout/deeper/blobs/b3/${big.slice(0, 4)}/${big}`]);
    assert.ok(under("chunks").includes(`layout/deeper/chunks/b3/${small.slice(0, 4)}/${small}`));
    assert.ok(under("chunks").length > 5);
    assert.deepEqual(under("dirs"), [`layout/deeper/dirs/b3/${root.slice(0, 4)}/${root}`]);
    for (const k of keys)
      assert.match(k, /^layout\/deeper\/(blobs|chunks|dirs)\/b3\/[0-9a-f]{4}\/[0-9a-f]{64}$/);
  });

  it("retries server errors (503 SlowDown) and succeeds", async () => {
    const blobs = blobServiceFromUrl(await s3Url());
    server!.failNext(503, 500);
    const w = blobs.openWrite();
    await w.write(fx.BLOB_B);
    const d = await w.close();
    server!.failNext(503);
    assert.deepEqual(await readAll((await blobs.openRead(d))!), fx.BLOB_B);
  });

  it("gives up after repeated server errors with a backend error", async () => {
    const blobs = blobServiceFromUrl(await s3Url());
    server!.failNext(503, 503, 503, 503);
    await assert.rejects(
      blobs.has(fx.BLOB_A_DIGEST),
      (e: unknown) => (e as { kind?: string }).kind === "backend" && /503/.test(String(e)),
    );
  });

  it("wrong credentials and missing buckets are backend errors naming S3's code", async () => {
    const s = server!;
    const bad = blobServiceFromUrl(
      `objectstore+s3://castore/x?endpoint=${s.endpoint}&access_key_id=${CREDS.accessKeyId}&secret_access_key=wrong`,
    );
    await assert.rejects(bad.openRead(fx.BLOB_A_DIGEST), /SignatureDoesNotMatch/);
    // HEAD answers have no body, so only the status tells.
    await assert.rejects(bad.has(fx.BLOB_A_DIGEST), /403 Forbidden/);
    const anonymous = blobServiceFromUrl(`objectstore+s3://castore/x?endpoint=${s.endpoint}`);
    await assert.rejects(anonymous.openRead(fx.BLOB_A_DIGEST), /AccessDenied/);
    const missing = directoryServiceFromUrl((await s3Url()).replace("s3://castore/", "s3://nope/"));
    await assert.rejects(
      putClosure(missing, [fx.DIRECTORY_A]),
      (e: unknown) => (e as { kind?: string }).kind === "backend" && /NoSuchBucket/.test(String(e)),
    );
  });

  it("a corrupted object in the bucket is an integrity error", async () => {
    const url = await s3Url("corrupt");
    const blobs = blobServiceFromUrl(url);
    const w = blobs.openWrite();
    await w.write(fx.BLOB_A);
    const d = await w.close();
    const hex = digestToHex(d);
    server!.setObject(
      "castore",
      `corrupt/chunks/b3/${hex.slice(0, 4)}/${hex}`,
      Buffer.from("junk"),
    );
    await assert.rejects(
      blobs.openRead(d),
      (e: unknown) => (e as { kind?: string }).kind === "integrity",
    );
  });

  it("URL and composition forms; credentials from the environment", async () => {
    const s = server!;
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = CREDS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDS.secretAccessKey;
    try {
      const c = compositionFromToml(`
[blobservices.default]
type = "objectstore"
object_store_url = "s3://other/from-toml"
object_store_options = { endpoint = "${s.endpoint}", region = "us-west-2" }
`);
      const blobs = c.blobService();
      const w = blobs.openWrite();
      await w.write(fx.BLOB_A);
      await w.close();
      assert.ok(s.keys("other").some((k) => k.startsWith("from-toml/chunks/b3/")));
    } finally {
      process.env = saved;
    }
    for (const bad of [
      "objectstore+s3:///prefix",
      "objectstore+s3://bucket/p?colour=blue",
      "objectstore+s3://bucket/p?endpoint=ftp://x",
      "objectstore+s3://bucket:9000/p",
    ]) {
      assert.throws(() => blobServiceFromUrl(bad), ConfigError, bad);
    }
  });

  it("addresses AWS virtual-hosted style without an endpoint", () => {
    const store = new S3ObjectStore({ bucket: "b", prefix: "p", region: "eu-west-1" });
    assert.equal(store.config.endpoint, undefined);
    // The URL shape is internal; what matters is that construction needs no network.
    assert.equal(store.config.region, "eu-west-1");
  });
});

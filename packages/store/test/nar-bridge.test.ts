/** nar-bridge over HTTP: routes, status codes for every bad request, ranges, upload validation. */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { blobServiceFromUrl, directoryServiceFromUrl } from "@tvix-ts/castore";
import {
  formatNarInfo,
  generateSigningKey,
  nixbase32,
  parseStorePathBaseName,
} from "@tvix-ts/nix-compat";
import {
  importPath,
  MemoryPathInfoService,
  type NarBridgeServer,
  narUrl,
  type PathInfo,
  renderNar,
  type StoreServices,
  startNarBridge,
} from "../src/index.ts";
import { fileNar } from "./support/fixtures.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest();

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** One raw HTTP request (fetch cannot send every odd thing we need). */
function http(
  port: number,
  method: string,
  path: string,
  body?: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d) => parts.push(d));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/**
 * Sends `parts` on one connection (each a separate write, `gapMs` apart) and reads one response
 * per entry of `methods` (HEAD answers have no body).
 */
function raw(
  port: number,
  parts: string[],
  methods: string[],
  gapMs = 0,
): Promise<{ responses: RawResponse[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    const done = (closed: boolean) => {
      sock.destroy();
      resolve({ responses, closed });
    };
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const [statusLine, ...lines] = buf.toString("latin1", 0, end).split("\r\n");
        const headers = new Map(
          lines.map((l) => {
            const i = l.indexOf(":");
            return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as [string, string];
          }),
        );
        const len =
          methods[responses.length] === "HEAD" ? 0 : Number(headers.get("content-length"));
        if (buf.length < end + 4 + len) return;
        responses.push({
          status: Number(statusLine!.split(" ")[1]),
          headers,
          body: buf.subarray(end + 4, end + 4 + len),
        });
        buf = buf.subarray(end + 4 + len);
        if (responses.length === methods.length) {
          // Wait briefly to see whether the server closes the connection.
          setTimeout(() => done(sock.readableEnded), 50);
          return;
        }
      }
    });
    sock.on("end", () => {
      if (responses.length < methods.length) done(true);
    });
    sock.on("error", reject);
    sock.on("connect", async () => {
      for (const p of parts) {
        sock.write(p);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/**
 * Sends `data` on one connection, then half-closes it (`end`, as `nc -N`), destroys it after
 * `destroyAfterMs`, or leaves it open; resolves with the first response's status (null when
 * none came) once the server closed the connection or `timeoutMs` passed.
 */
function send(
  port: number,
  data: Uint8Array,
  then: "end" | "destroy" | "keep",
  timeoutMs = 2000,
  destroyAfterMs = 100,
): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    const got: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(got).toString("latin1", 0, 20));
      resolve(m ? Number(m[1]) : null);
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on("data", (d) => {
      got.push(d);
      if (then === "keep" && /\r\n\r\n/.test(Buffer.concat(got).toString("latin1"))) done();
    });
    sock.on("close", done);
    sock.on("error", done);
    sock.on("connect", () => {
      sock.write(data);
      if (then === "end") sock.end();
      if (then === "destroy") setTimeout(() => sock.destroy(), destroyAfterMs);
    });
  });
}

function request1(method: string, path: string, body?: Uint8Array, length = body?.length): Buffer {
  const cl = length === undefined ? "" : `Content-Length: ${length}\r\n`;
  const head = Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\n${cl}\r\n`);
  return body ? Buffer.concat([head, body]) : head;
}

function freshStore(): StoreServices {
  return {
    blobService: blobServiceFromUrl("memory://"),
    directoryService: directoryServiceFromUrl("memory://"),
    pathInfoService: new MemoryPathInfoService(),
  };
}

describe("nar-bridge", () => {
  let store: StoreServices;
  let bridge: NarBridgeServer;
  let zbridge: NarBridgeServer;
  let info: PathInfo;
  let nar: Buffer;
  const key = generateSigningKey("bridge-1", new Uint8Array(32).fill(7));
  before(async () => {
    store = {
      blobService: blobServiceFromUrl("memory://"),
      directoryService: directoryServiceFromUrl("memory://"),
      pathInfoService: new MemoryPathInfoService(),
    };
    const { mkdtemp, writeFile, mkdir, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "bridge-"));
    await mkdir(join(dir, "t", "d"), { recursive: true });
    await writeFile(join(dir, "t", "d", "big"), Buffer.alloc(100_000, 3));
    await writeFile(join(dir, "t", "small"), "small\n");
    info = await importPath(store, join(dir, "t"));
    await rm(dir, { recursive: true });
    nar = await collect(renderNar(info.node, store.blobService, store.directoryService));
    bridge = await startNarBridge({ ...store, signingKey: key, port: 0 });
    zbridge = await startNarBridge({ ...store, narCompression: "zstd", port: 0 });
  });
  after(async () => {
    await bridge.close(100);
    await zbridge.close(100);
  });

  it("serves nix-cache-info and /", async () => {
    const r = await http(bridge.port, "GET", "/nix-cache-info");
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 39\n");
    assert.equal((await http(bridge.port, "GET", "/")).status, 200);
  });

  it("serves signed narinfos, HEAD without a body, 404 for unknown or malformed names", async () => {
    const r = await http(bridge.port, "GET", `/${info.storePath.hashPart}.narinfo`);
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "text/x-nix-narinfo");
    const expected = info.sign(key).toNarInfo(narUrl(info.node, info.narSize));
    assert.equal(r.body.toString(), formatNarInfo(expected));
    const h = await http(bridge.port, "HEAD", `/${info.storePath.hashPart}.narinfo`);
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    for (const p of [
      "/00000000000000000000000000000000.narinfo",
      "/short.narinfo",
      "/eeee.narinfo",
    ]) {
      assert.equal((await http(bridge.port, "GET", p)).status, 404, p);
    }
  });

  it("serves the NAR whole, by ranges, and zstd-compressed", async () => {
    const url = `/${narUrl(info.node, info.narSize)}`;
    const r = await http(bridge.port, "GET", url);
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-length"], String(nar.length));
    assert.ok(r.body.equals(nar));
    const ranges: [string, number, number][] = [
      ["bytes=0-99", 0, 100],
      ["bytes=100-", 100, nar.length],
      ["bytes=-50", nar.length - 50, nar.length],
      [`bytes=500-${nar.length + 100}`, 500, nar.length],
    ];
    for (const [range, s, e] of ranges) {
      const rr = await http(bridge.port, "GET", url, undefined, { range });
      assert.equal(rr.status, 206, range);
      assert.equal(rr.headers["content-range"], `bytes ${s}-${e - 1}/${nar.length}`);
      assert.ok(rr.body.equals(nar.subarray(s, e)), range);
    }
    const bad = await http(bridge.port, "GET", url, undefined, { range: `bytes=${nar.length}-` });
    assert.equal(bad.status, 416);
    const head = await http(bridge.port, "HEAD", url);
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-length"], String(nar.length));
    const ni = (
      await http(zbridge.port, "GET", `/${info.storePath.hashPart}.narinfo`)
    ).body.toString();
    assert.match(ni, /\nCompression: zstd\n/);
    const zurl = /\nURL: (.*)\n/.exec(ni)![1]!;
    const z = await http(zbridge.port, "GET", `/${zurl}`);
    assert.ok(zstdDecompressSync(z.body).equals(nar));
  });

  it("serves .ls listings", async () => {
    const r = await http(bridge.port, "GET", `/${info.storePath.hashPart}.ls`);
    assert.equal(r.status, 200);
    const l = JSON.parse(r.body.toString());
    assert.equal(l.version, 1);
    assert.equal(l.root.entries.small.size, 6);
    const off = l.root.entries.small.narOffset;
    assert.equal(nar.subarray(off, off + 6).toString(), "small\n");
  });

  it("answers bad NAR URLs with the right status", async () => {
    const good = narUrl(info.node, info.narSize);
    const enc = good.split("/")[2]!.split("?")[0]!;
    const cases: [string, number][] = [
      [`/nar/tvix-castore/${enc}`, 400], // no narsize
      [`/nar/tvix-castore/${enc}?narsize=abc`, 400],
      [`/nar/tvix-castore/${enc}?narsize=${info.narSize + 1}`, 400], // wrong size
      ["/nar/tvix-castore/!!!?narsize=1", 404], // not base64url
      ["/nar/tvix-castore/AAAA?narsize=1", 404], // not a Node message
      [`/nar/tvix-castore/${"A".repeat(6000)}?narsize=1`, 400], // too large
      [
        `/nar/tvix-castore/${Buffer.from([0x1a, 0x03, 0x12, 0x01, 0x00]).toString("base64url")}?narsize=1`,
        400,
      ], // symlink target with NUL
      [`/nar/tvix-castore/${enc}?narsize=${info.narSize}&compression=lz4`, 400],
      [`/nar/${"0".repeat(52)}.nar`, 404], // not uploaded here
      ["/nope", 404],
    ];
    for (const [p, status] of cases) {
      assert.equal((await http(bridge.port, "GET", p)).status, status, p);
    }
    const del = await http(bridge.port, "DELETE", `/${info.storePath.hashPart}.narinfo`);
    assert.equal(del.status, 405);
    assert.ok(del.headers.allow);
    assert.equal((await http(bridge.port, "POST", "/nix-cache-info")).status, 405);
  });

  it("accepts a NAR then its narinfo; rejects what does not match, publishing nothing", async () => {
    const fresh = {
      blobService: blobServiceFromUrl("memory://"),
      directoryService: directoryServiceFromUrl("memory://"),
      pathInfoService: new MemoryPathInfoService(),
    };
    const up = await startNarBridge({ ...fresh, port: 0 });
    try {
      const narHash = nixbase32.encode(sha(nar));
      const ni = formatNarInfo(info.toNarInfo(`nar/${narHash}.nar`));
      const niPath = `/${info.storePath.hashPart}.narinfo`;
      // narinfo before its NAR: refused.
      assert.equal((await http(up.port, "PUT", niPath, Buffer.from(ni))).status, 400);
      // NAR under the wrong hash, corrupt NAR, unknown compression, bad names.
      assert.equal((await http(up.port, "PUT", `/nar/${"0".repeat(52)}.nar`, nar)).status, 400);
      const corrupt = Buffer.from(nar);
      corrupt[20] ^= 1;
      assert.equal(
        (await http(up.port, "PUT", `/nar/${nixbase32.encode(sha(corrupt))}.nar`, corrupt)).status,
        400,
      );
      assert.equal((await http(up.port, "PUT", `/nar/${narHash}.nar.lz4`, nar)).status, 400);
      assert.equal((await http(up.port, "PUT", `/nar/${narHash}.nar.xz`, nar)).status, 400); // not xz
      assert.equal((await http(up.port, "PUT", "/nar/zzz.nar", nar)).status, 400);
      assert.equal(await fresh.pathInfoService.get(info.storePath.digest), undefined);
      // The real NAR.
      assert.equal((await http(up.port, "PUT", `/nar/${narHash}.nar`, nar)).status, 200);
      // narinfo problems: not UTF-8, garbage, wrong name, wrong size, too large.
      assert.equal((await http(up.port, "PUT", niPath, Buffer.from([0xff, 0xfe]))).status, 400);
      assert.equal((await http(up.port, "PUT", niPath, Buffer.from("garbage"))).status, 400);
      assert.equal(
        (await http(up.port, "PUT", `/${"1".repeat(32)}.narinfo`, Buffer.from(ni))).status,
        400,
      );
      const wrongSize = ni.replace(`NarSize: ${info.narSize}`, `NarSize: ${info.narSize + 8}`);
      assert.equal((await http(up.port, "PUT", niPath, Buffer.from(wrongSize))).status, 400);
      assert.equal(
        (await http(up.port, "PUT", niPath, Buffer.alloc(3 * 1024 * 1024, 65))).status,
        413,
      );
      const withRef = formatNarInfo({
        ...info.toNarInfo(`nar/${narHash}.nar`),
        references: [parseStorePathBaseName(`${"2".repeat(32)}-missing`)],
      });
      assert.equal((await http(up.port, "PUT", niPath, Buffer.from(withRef))).status, 400);
      assert.equal(await fresh.pathInfoService.get(info.storePath.digest), undefined);
      // Finally the right narinfo.
      assert.equal((await http(up.port, "PUT", niPath, Buffer.from(ni))).status, 200);
      const stored = await fresh.pathInfoService.get(info.storePath.digest);
      assert.deepEqual(stored?.node, info.node);
      // And the NAR comes back under its upload name too.
      const back = await http(up.port, "GET", `/nar/${narHash}.nar`);
      assert.ok(back.body.equals(nar));
    } finally {
      await up.close(100);
    }
  });

  it("answers pipelined narinfo requests on the socket in order, then hands over to node:http", async () => {
    const b = await startNarBridge({ ...store, signingKey: key, port: 0 });
    try {
      const hash = info.storePath.hashPart;
      const get = (p: string, extra = "") => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
      const reqs = [
        get(`/${hash}.narinfo`), // looked up
        get(`/${hash}.narinfo`, "Connection: Keep-Alive\r\n"), // cached
        `HEAD /${hash}.narinfo HTTP/1.1\r\nHost: x\r\n\r\n`,
        get(`/${"0".repeat(32)}.narinfo`), // 404
        get("/nix-cache-info"), // node:http from here on
        get(`/${hash}.narinfo`),
        get(`/${hash}.narinfo`, "Connection: close\r\n"),
      ];
      const methods = ["GET", "GET", "HEAD", "GET", "GET", "GET", "GET"];
      const { responses: r, closed } = await raw(b.port, [reqs.join("")], methods);
      assert.deepEqual(
        r.map((x) => x.status),
        [200, 200, 200, 404, 200, 200, 200],
      );
      const expected = formatNarInfo(info.sign(key).toNarInfo(narUrl(info.node, info.narSize)));
      for (const i of [0, 1, 5, 6]) assert.equal(r[i]!.body.toString(), expected, `response ${i}`);
      assert.equal(r[2]!.headers.get("content-length"), String(Buffer.byteLength(expected)));
      assert.equal(r[3]!.body.toString(), "not found\n");
      assert.match(r[4]!.body.toString(), /^StoreDir: /);
      // The socket path sends the headers node:http sends.
      const names = (x: RawResponse) => [...x.headers.keys()].sort();
      assert.deepEqual(names(r[0]!), names(r[5]!));
      for (const h of ["content-type", "content-length", "connection", "keep-alive"]) {
        assert.equal(r[0]!.headers.get(h), r[5]!.headers.get(h), h);
      }
      assert.ok(closed, "Connection: close is honoured");
    } finally {
      await b.close(100);
    }
  });

  it("answers thousands of pipelined narinfo requests in order, read late", async () => {
    const b = await startNarBridge({ ...store, port: 0 });
    try {
      const hash = info.storePath.hashPart;
      const n = 6000;
      const paths = Array.from({ length: n }, (_, i) =>
        i % 3 === 2 ? `/${"0".repeat(32)}.narinfo` : `/${hash}.narinfo`,
      );
      const text = paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join("");
      const statuses = await new Promise<number[]>((resolve, reject) => {
        const sock = connect(b.port, "127.0.0.1");
        const got: number[] = [];
        let buf = Buffer.alloc(0);
        sock.pause(); // read nothing until all requests are sent and answered
        sock.on("connect", () => {
          sock.write(text, () => setTimeout(() => sock.resume(), 200));
        });
        sock.on("data", (d) => {
          buf = Buffer.concat([buf, d]);
          for (;;) {
            const end = buf.indexOf("\r\n\r\n");
            if (end < 0) return;
            const head = buf.toString("latin1", 0, end);
            const len = Number(/content-length: (\d+)/i.exec(head)![1]);
            if (buf.length < end + 4 + len) return;
            got.push(Number(head.split(" ")[1]));
            buf = buf.subarray(end + 4 + len);
            if (got.length === n) {
              sock.destroy();
              resolve(got);
              return;
            }
          }
        });
        sock.on("error", reject);
      });
      assert.deepEqual(
        statuses,
        paths.map((p) => (p.includes(hash) ? 200 : 404)),
      );
    } finally {
      await b.close(100);
    }
  });

  it("leaves requests split across packets, with bodies or unusual headers to node:http", async () => {
    const b = await startNarBridge({ ...store, port: 0 });
    try {
      const hash = info.storePath.hashPart;
      const expected = formatNarInfo(info.toNarInfo(narUrl(info.node, info.narSize)));
      const split = await raw(
        b.port,
        [`GET /${hash}.narinfo HTTP/1.1\r\nHo`, "st: x\r\n\r\n"],
        ["GET"],
        20,
      );
      assert.equal(split.responses[0]!.body.toString(), expected);
      const odd = await raw(
        b.port,
        [
          `GET /${hash}.narinfo HTTP/1.1\r\nHost: x\r\n\r\n`,
          `GET /${hash}.narinfo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
          `GET /${hash}.narinfo?x=1 HTTP/1.1\r\nHost: x\r\n\r\n`,
          `GET /${hash}.narinfo HTTP/1.0\r\n\r\n`,
        ],
        ["GET", "GET", "GET", "GET"],
        20,
      );
      assert.deepEqual(
        odd.responses.map((x) => [x.status, x.body.toString()]),
        [
          [200, expected],
          [200, expected],
          [200, expected],
          [200, expected],
        ],
      );
      assert.ok(odd.closed, "an HTTP/1.0 request without keep-alive closes the connection");
      const noHost = await raw(b.port, [`GET /${hash}.narinfo HTTP/1.1\r\n\r\n`], ["GET"]);
      assert.equal(noHost.responses[0]!.status, 400);
      // A failing lookup: node:http serves the request again and reports the error.
      const failing = await startNarBridge({
        ...store,
        pathInfoService: {
          ...store.pathInfoService,
          get: () => Promise.reject(new Error("backend down")),
        } as typeof store.pathInfoService,
        port: 0,
      });
      try {
        const f = await raw(
          failing.port,
          [`GET /${hash}.narinfo HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`],
          ["GET", "GET"],
        );
        assert.deepEqual(
          f.responses.map((x) => [x.status, x.body.toString()]),
          [
            [500, "backend down\n"],
            [200, "Hello from nar-bridge\n"],
          ],
        );
      } finally {
        await failing.close(100);
      }
      // Without the socket path, the same answers.
      const plain = await startNarBridge({ ...store, port: 0, fastPath: false });
      try {
        const p = await http(plain.port, "GET", `/${hash}.narinfo`);
        assert.equal(p.body.toString(), expected);
      } finally {
        await plain.close(100);
      }
    } finally {
      await b.close(100);
    }
  });

  it("survives brotli (and other) uploads cut off mid-body", async () => {
    const b = await startNarBridge({ ...freshStore(), port: 0 });
    try {
      const files: [string, Buffer][] = [
        [".br", brotliCompressSync(nar)],
        [".zst", zstdCompressSync(nar)],
        ["", nar],
      ];
      for (const [ext, file] of files) {
        const path = `/nar/${"0".repeat(52)}.nar${ext}`;
        const partial = request1("PUT", path, file.subarray(0, file.length >> 1), file.length + 10);
        // The client goes away (destroy) or shuts down its side (end) before the body is all
        // there: the upload fails however it may, and the server keeps answering.
        for (const then of ["destroy", "end"] as const) {
          const status = await send(b.port, partial, then);
          assert.ok(status === null || status === 400, `${ext} ${then}: ${status}`);
          assert.equal((await http(b.port, "GET", "/nix-cache-info")).status, 200);
        }
      }
    } finally {
      await b.close(100);
    }
  });

  it("answers a NAR whose file contents are cut short with 400", async () => {
    const b = await startNarBridge({ ...freshStore(), port: 0 });
    try {
      const truncated = Buffer.from(
        "0d000000000000006e69782d617263686976652d3100000001000000000000002800000000000000040000000000000074797065000000000700000000000000726567756c6172000800000000000000636f6e74656e7473ffffff7f0000000068656c6c6f20776f726c6400000000000100000000000000",
        "hex",
      );
      const r = await http(
        b.port,
        "PUT",
        `/nar/${nixbase32.encode(sha(truncated))}.nar`,
        truncated,
      );
      assert.equal(r.status, 400, r.body.toString());
      assert.match(r.body.toString(), /invalid NAR/);
      // Compressed data cut short inside a large file's contents: 400 as well.
      const big = fileNar(randomBytes(2 * 1024 * 1024));
      const z = zstdCompressSync(big).subarray(0, 1024 * 1024);
      const c = await http(b.port, "PUT", `/nar/${nixbase32.encode(sha(z))}.nar.zst`, z);
      assert.equal(c.status, 400, c.body.toString());
    } finally {
      await b.close(100);
    }
  });

  it("leaves no directory closure behind for a NAR uploaded under the wrong file hash", async () => {
    const fresh = freshStore();
    const b = await startNarBridge({ ...fresh, port: 0 });
    try {
      const other = nixbase32.encode(sha(Buffer.from("other bytes")));
      const r = await http(b.port, "PUT", `/nar/${other}.nar`, nar);
      assert.equal(r.status, 400);
      assert.match(r.body.toString(), /uploaded file hashes to/);
      assert.equal(info.node.type, "directory");
      const get = await http(b.port, "GET", `/${narUrl(info.node, info.narSize)}`);
      assert.equal(get.status, 404);
      // Under its own hash it is accepted, and then its closure is there.
      const ok = await http(b.port, "PUT", `/nar/${nixbase32.encode(sha(nar))}.nar`, nar);
      assert.equal(ok.status, 200);
      assert.equal((await http(b.port, "GET", `/${narUrl(info.node, info.narSize)}`)).status, 200);
    } finally {
      await b.close(100);
    }
  });

  it("answers requests whose client half-closed the connection after sending them", async () => {
    for (const fastPath of [true, false]) {
      const b = await startNarBridge({ ...store, port: 0, fastPath });
      try {
        for (const [ext, compress] of [
          [".zst", zstdCompressSync],
          [".br", brotliCompressSync],
        ] as const) {
          const file = compress(nar);
          const path = `/nar/${nixbase32.encode(sha(file))}.nar${ext}`;
          const what = `fastPath=${fastPath} ${ext}`;
          assert.equal(await send(b.port, request1("PUT", path, file), "end"), 200, what);
          assert.equal(await send(b.port, request1("GET", path), "end"), 200, what);
        }
        const narinfo = request1("GET", `/${info.storePath.hashPart}.narinfo`);
        assert.equal(await send(b.port, narinfo, "end"), 200, `fastPath=${fastPath} narinfo`);
        const miss = request1("GET", `/${"1".repeat(32)}.narinfo`);
        assert.equal(await send(b.port, miss, "end"), 404, `fastPath=${fastPath} miss`);
      } finally {
        await b.close(100);
      }
    }
  });

  it("does not read a request path starting with // as a host", async () => {
    for (const fastPath of [true, false]) {
      const b = await startNarBridge({ ...store, port: 0, fastPath });
      try {
        for (const path of [`//${info.storePath.hashPart}.narinfo`, "//x.narinfo", "//", "//x/"]) {
          const r = await http(b.port, "GET", path);
          assert.equal(r.status, 404, `fastPath=${fastPath} ${path}: ${r.body}`);
        }
      } finally {
        await b.close(100);
      }
    }
  });

  it("shuts down gracefully: a download in flight completes", async () => {
    const b = await startNarBridge({ ...store, port: 0 });
    // Closed once the response has started (a fixed delay raced the request under load: a
    // connection whose request has not arrived yet is idle, and idle ones are closed at once).
    let closing: Promise<void> | undefined;
    const r = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: b.port, path: `/${narUrl(info.node, info.narSize)}` },
        (res) => {
          closing = b.close(5000);
          const parts: Buffer[] = [];
          res.on("data", (d) => parts.push(d));
          res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(parts) }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
    await closing;
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(nar));
    await assert.rejects(http(b.port, "GET", "/"));
  });
});

describe("nar-bridge over objectstore+file (chunk buffers recycled)", () => {
  let dir: string;
  let store: StoreServices;
  let bridge: NarBridgeServer;
  let info: PathInfo;
  let nar: Buffer;
  before(async () => {
    const { mkdtemp, writeFile, mkdir, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { randomBytes } = await import("node:crypto");
    dir = await mkdtemp(join(tmpdir(), "bridge-os-"));
    store = {
      blobService: blobServiceFromUrl(`objectstore+file://${join(dir, "blobs")}`),
      directoryService: directoryServiceFromUrl("memory://"),
      pathInfoService: new MemoryPathInfoService(),
    };
    await mkdir(join(dir, "t"), { recursive: true });
    // Several chunks each (default chunking: 128 KiB to 512 KiB), different contents.
    await writeFile(join(dir, "t", "a"), randomBytes(3 << 20));
    await writeFile(join(dir, "t", "b"), randomBytes(2 << 20));
    await writeFile(join(dir, "t", "c"), Buffer.alloc(1 << 20, 5));
    info = await importPath(store, join(dir, "t"));
    await rm(join(dir, "t"), { recursive: true });
    nar = await collect(renderNar(info.node, store.blobService, store.directoryService));
    bridge = await startNarBridge({ ...store, port: 0 });
  });
  after(async () => {
    await bridge.close(100);
    const { rm } = await import("node:fs/promises");
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the same bytes download after download, concurrently and by ranges", async () => {
    const url = `/${narUrl(info.node, info.narSize)}`;
    for (let round = 0; round < 3; round++) {
      const all = await Promise.all([
        http(bridge.port, "GET", url),
        http(bridge.port, "GET", url),
        http(bridge.port, "GET", url, undefined, { range: "bytes=1000000-4000000" }),
      ]);
      assert.ok(all[0]!.body.equals(nar));
      assert.ok(all[1]!.body.equals(nar));
      assert.ok(all[2]!.body.equals(nar.subarray(1_000_000, 4_000_001)));
    }
  });

  it("serves the right bytes after a client went away mid-download", async () => {
    const url = `/${narUrl(info.node, info.narSize)}`;
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: bridge.port, path: url }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (e) => (req.destroyed ? resolve() : reject(e)));
      req.end();
    });
    const r = await http(bridge.port, "GET", url);
    assert.ok(r.body.equals(nar));
    const again = await collect(renderNar(info.node, store.blobService, store.directoryService));
    assert.ok(again.equals(nar));
  });
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as fx from "../src/fixtures.ts";
import {
  blake3,
  collectClosure,
  digestToHex,
  ImportError,
  ingestPath,
  MemoryBlobService,
  MemoryDirectoryService,
  ReferenceScanner,
  readAll,
} from "../src/index.ts";
import { noise } from "./support/blob-conformance.ts";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "castore-import-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function services() {
  return { blobs: new MemoryBlobService(), dirs: new MemoryDirectoryService() };
}

describe("ingestPath", () => {
  it("imports DIRECTORY_COMPLICATED with Tvix's digest and size", async () => {
    const p = join(root, "complicated");
    await mkdir(join(p, "keep"), { recursive: true });
    await writeFile(join(p, "keep", ".keep"), "");
    await writeFile(join(p, ".keep"), "");
    await symlink("/nix/store/somewhereelse", join(p, "aa"));
    const { blobs, dirs } = services();
    const node = await ingestPath(blobs, dirs, p);
    assert.equal(node.type, "directory");
    assert.equal(digestToHex(node.digest), digestToHex(fx.DIRECTORY_COMPLICATED.digest()));
    assert.equal(node.type === "directory" && node.size, 8);
    const closure = await collectClosure(dirs.getRecursive(node.digest));
    assert.deepEqual(
      closure.map((d) => digestToHex(d.digest())),
      [fx.DIRECTORY_COMPLICATED, fx.DIRECTORY_WITH_KEEP].map((d) => digestToHex(d.digest())),
    );
    assert.equal(await blobs.has(fx.EMPTY_BLOB_DIGEST), true);
  });

  it("imports a single file, keeping only the owner-execute bit", async () => {
    const f = join(root, "hello");
    await writeFile(f, fx.HELLOWORLD_BLOB_CONTENTS);
    await chmod(f, 0o644);
    const { blobs, dirs } = services();
    assert.deepEqual(await ingestPath(blobs, dirs, f), {
      type: "file",
      digest: fx.HELLOWORLD_BLOB_DIGEST,
      size: 12,
      executable: false,
    });
    await chmod(f, 0o744);
    const n = await ingestPath(blobs, dirs, f);
    assert.equal(n.type === "file" && n.executable, true);
    await chmod(f, 0o655); // group/other x do not count
    const n2 = await ingestPath(blobs, dirs, f);
    assert.equal(n2.type === "file" && n2.executable, false);
    assert.deepEqual(
      await readAll((await blobs.openRead(fx.HELLOWORLD_BLOB_DIGEST))!),
      fx.HELLOWORLD_BLOB_CONTENTS,
    );
  });

  it("does not follow a symlink at the root", async () => {
    const l = join(root, "link");
    await symlink("../somewhere/else", l);
    const { blobs, dirs } = services();
    const n = await ingestPath(blobs, dirs, l);
    assert.deepEqual(n, { type: "symlink", target: new TextEncoder().encode("../somewhere/else") });
  });

  it("rejects sockets and fifos naming the path", async () => {
    const d = join(root, "special");
    await mkdir(d);
    const sock = join(d, "sock");
    const server = createServer();
    await new Promise<void>((res) => server.listen(sock, res));
    try {
      const { blobs, dirs } = services();
      await assert.rejects(
        ingestPath(blobs, dirs, d),
        (e: unknown) =>
          e instanceof ImportError &&
          e.kind === "unsupported-file-type" &&
          e.path === sock &&
          e.message.includes("socket"),
      );
    } finally {
      server.close();
    }
    const fifo = join(root, "fifo");
    if (spawnSync("mkfifo", [fifo]).status === 0) {
      const { blobs, dirs } = services();
      await assert.rejects(
        ingestPath(blobs, dirs, fifo),
        (e: unknown) =>
          e instanceof ImportError && e.kind === "unsupported-file-type" && e.path === fifo,
      );
    }
  });

  it("imports a wide tree with bounded concurrency, byte names included", async () => {
    const t = join(root, "tree");
    const files = new Map<string, Uint8Array>();
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 8; j++) {
        const rel = join(`d${i}`, `sub${j % 3}`, `f${j}`);
        await mkdir(join(t, `d${i}`, `sub${j % 3}`), { recursive: true });
        const data = noise(i * 100 + j, (i * 8 + j) * 997);
        files.set(rel, data);
        await writeFile(join(t, rel), data);
      }
    }
    const big = noise(999, 2_000_000);
    await writeFile(join(t, "big"), big);
    // A name that is not UTF-8 survives as bytes.
    const odd = Buffer.concat([Buffer.from(t), Buffer.from("/caf\xe9", "latin1")]);
    await writeFile(odd, "x");
    const { blobs, dirs } = services();
    const node = await ingestPath(blobs, dirs, t, { concurrency: 3 });
    assert.equal(node.type, "directory");
    const closure = await collectClosure(dirs.getRecursive(node.digest));
    assert.equal(closure.length, 1 + 6 + 6 * 3);
    const top = closure[0]!;
    assert.ok(top.get(Buffer.from("caf\xe9", "latin1")));
    assert.deepEqual(top.get("big"), {
      type: "file",
      digest: blake3(big),
      size: big.length,
      executable: false,
    });
    for (const data of files.values()) assert.equal(await blobs.has(blake3(data)), true);
    // Same tree again: same digest (deterministic regardless of concurrency).
    const again = await ingestPath(blobs, dirs, t, { concurrency: 50 });
    assert.deepEqual(again, node);
  });

  it("scans file contents and symlink targets for references, per file", async () => {
    const d = join(root, "refs");
    await mkdir(d);
    const h1 = "/nix/store/fhaj6gmwns62s6ypkcldbaj2ybvkhx3p-a";
    const h2 = "/nix/store/06li2smqgskxxr291x1cgzf61rzm7c8f-b";
    const h3 = "/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-c";
    // h3 split across two files must NOT count.
    await writeFile(
      join(d, "x"),
      `${"y".repeat(100_000)}${h1}${"z".repeat(70_000)}${h3.slice(0, 20)}`,
    );
    await writeFile(join(d, "y"), h3.slice(20));
    await symlink(h2, join(d, "l"));
    const scanner = new ReferenceScanner([h1, h2, h3]);
    const { blobs, dirs } = services();
    await ingestPath(blobs, dirs, d, { referenceScanner: scanner });
    assert.deepEqual(scanner.matches(), [true, true, false]);
  });

  it("reports a missing path as an io error", async () => {
    const { blobs, dirs } = services();
    await assert.rejects(
      ingestPath(blobs, dirs, join(root, "nope")),
      (e: unknown) => e instanceof ImportError && e.kind === "io",
    );
  });
});

/**
 * Kill-the-writer: a child process imports into file-backed services and is killed with SIGKILL
 * mid-way. Reopening must find every stored object complete and valid (no partial blob, no
 * directory whose closure is incomplete), and every import the child reported done readable.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  blake3,
  blobServiceFromUrl,
  collectClosure,
  decodeDirectory,
  digestFromHex,
  digestToHex,
  directoryServiceFromUrl,
  readAll,
} from "../src/index.ts";

const child = fileURLToPath(new URL("./support/kill-writer-child.ts", import.meta.url));

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), "castore-kill-"));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs the child until it reported `completions` imports, then kills it after `delayMs`. */
async function runAndKill(
  blobUrl: string,
  dirUrl: string,
  src: string,
  completions: number,
  delayMs: number,
) {
  const proc = spawn(process.execPath, [child, blobUrl, dirUrl, src], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const done: string[] = [];
  let stderr = "";
  proc.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) {
        const [, , root] = l.split(" ");
        done.push(root!);
        if (done.length === completions) setTimeout(resolve, delayMs);
      }
    });
    exited.then((code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  proc.kill("SIGKILL");
  await exited;
  return done;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

async function checkBlobStore(dir: string) {
  const svc = blobServiceFromUrl(`objectstore+file://${dir}`);
  let blobs = 0;
  for (const f of await walk(join(dir, "blobs"))) {
    const d = digestFromHex(f.split("/").pop()!);
    const r = await svc.openRead(d);
    assert.ok(r, `indexed blob ${f} must be readable`);
    assert.equal(digestToHex(blake3(await readAll(r))), digestToHex(d), `blob ${f} is complete`);
    blobs++;
  }
  for (const f of await walk(join(dir, "chunks"))) {
    const d = digestFromHex(f.split("/").pop()!);
    const r = await svc.openRead(d);
    assert.ok(r);
    assert.equal(digestToHex(blake3(await readAll(r))), digestToHex(d), `chunk ${f} is complete`);
  }
  return blobs;
}

async function checkImports(blobUrl: string, dirUrl: string, roots: string[]) {
  const blobs = blobServiceFromUrl(blobUrl);
  const dirs = directoryServiceFromUrl(dirUrl);
  try {
    for (const root of roots) {
      const closure = await collectClosure(dirs.getRecursive(digestFromHex(root)));
      assert.equal(closure.length, 3, `closure of completed import ${root}`);
      for (const d of closure) {
        for (const { node } of d.entries()) {
          if (node.type === "file") assert.equal(await blobs.has(node.digest), true);
        }
      }
    }
  } finally {
    await dirs.close();
  }
}

async function prepareSource(name: string): Promise<string> {
  const src = join(work, name);
  await mkdir(join(src, "sub", "deeper"), { recursive: true });
  return src;
}

describe("kill -9 during import", { timeout: 30_000 }, () => {
  it("sqlite directories + file blobs stay consistent", async () => {
    const src = await prepareSource("src-sqlite");
    const blobDir = join(work, "blobs-1");
    const db = join(work, "dirs.sqlite");
    const blobUrl = `objectstore+file://${blobDir}`;
    const dirUrl = `sqlite://${db}`;
    for (const delay of [0, 7, 23]) {
      const roots = await runAndKill(blobUrl, dirUrl, src, 2, delay);
      await checkImports(blobUrl, dirUrl, roots);
    }
    assert.ok((await checkBlobStore(blobDir)) > 0);
    // Every row hashes to its key, decodes, and has its children (closures are transactions).
    const conn = new DatabaseSync(db);
    const rows = conn.prepare("SELECT digest, data FROM directories").all() as {
      digest: Uint8Array;
      data: Uint8Array;
    }[];
    const keys = new Set(rows.map((r) => digestToHex(r.digest)));
    for (const r of rows) {
      assert.equal(digestToHex(blake3(r.data)), digestToHex(r.digest));
      for (const c of decodeDirectory(r.data).childDigests()) assert.ok(keys.has(digestToHex(c)));
    }
    conn.close();
  });

  it("objectstore+file directories + file blobs stay consistent", async () => {
    const src = await prepareSource("src-os");
    const blobDir = join(work, "blobs-2");
    const dirDir = join(work, "dirs-2");
    const blobUrl = `objectstore+file://${blobDir}`;
    const dirUrl = `objectstore+file://${dirDir}`;
    for (const delay of [0, 11]) {
      const roots = await runAndKill(blobUrl, dirUrl, src, 2, delay);
      await checkImports(blobUrl, dirUrl, roots);
    }
    await checkBlobStore(blobDir);
    const dirs = directoryServiceFromUrl(dirUrl);
    for (const f of await walk(join(dirDir, "dirs"))) {
      const closure = await collectClosure(dirs.getRecursive(digestFromHex(f.split("/").pop()!)));
      assert.equal(closure.length, 3, `stored closure ${f} is complete`);
    }
  });
});

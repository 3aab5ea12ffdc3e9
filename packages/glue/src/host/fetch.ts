/**
 * Running a fetch: download, unpack into castore (tarballs and NARs never touch the disk),
 * compute the hash the store path is made from, compare with the expected hash (a mismatch
 * shows both), and only then write the PathInfo. Nothing unverified becomes a store path;
 * blobs and directories already uploaded are content-addressed and unreachable.
 */
import { createHash } from "node:crypto";
import { decompress, ingestArchive, type Node } from "@tvix-ts/castore";
import {
  ContentAddress,
  type HashAlgo,
  makeFixedOutputPath,
  NixHash,
  writeNar,
  writeNarSync,
} from "@tvix-ts/nix-compat";
import { calculateNar, ingestNar, type StoreServices } from "@tvix-ts/store";
import type { Fetch, FetchResult, HashSpec } from "../protocol.ts";
import { download, downloadStream, FetchError } from "./download.ts";
import { checkoutWithSubmodules, git, resolveGit, trackedFiles } from "./git.ts";
import { localTree } from "./local-tree.ts";
import { persistNode } from "./persist.ts";

const show = (h: NixHash) => `${h.algo}:${h.toNixBase32()}`;

function specHash(h: HashSpec): NixHash {
  return new NixHash(h.algo, Buffer.from(h.hex, "hex"));
}

function check(url: string, want: HashSpec | undefined, got: NixHash): void {
  if (want === undefined) return;
  const w = specHash(want);
  if (!w.equals(got))
    throw new FetchError(
      `hash mismatch in file downloaded from '${url}':\n  specified: ${show(w)}\n  got:       ${show(got)}`,
    );
}

/** Hashes a stream on its way through. */
function tap(src: AsyncIterable<Uint8Array>, algo: HashAlgo) {
  const h = createHash(algo);
  let size = 0;
  async function* gen() {
    for await (const c of src) {
      h.update(c);
      size += c.length;
      yield c;
    }
  }
  return {
    stream: gen(),
    digest: () => new NixHash(algo, new Uint8Array(h.digest())),
    size: () => size,
  };
}

interface Stored {
  node: Node;
  narSize: number;
  narSha256: Uint8Array;
  ca: ContentAddress;
}

async function fetchFile(s: StoreServices, f: Extract<Fetch, { kind: "file" }>): Promise<Stored> {
  const data = await download(f.url);
  const exe = f.mode === "executable";
  const narBytes = writeNarSync({ type: "regular", executable: exe, contents: data });
  const algo = f.hash?.algo ?? "sha256";
  const got = NixHash.of(algo, exe ? narBytes : data);
  check(f.url, f.hash, got);
  const r = await ingestNar(s.blobService, s.directoryService, narBytes);
  return { ...r, ca: new ContentAddress(exe ? "nar" : "flat", got) };
}

async function fetchTarball(
  s: StoreServices,
  f: Extract<Fetch, { kind: "tarball" }>,
): Promise<Stored> {
  let node: Node;
  try {
    node = await ingestArchive(
      s.blobService,
      s.directoryService,
      decompress(downloadStream(f.url)),
    );
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(`unpacking '${f.url}': ${(e as Error).message}`, { cause: e });
  }
  const { narSize, narSha256 } = await calculateNar(node, s.blobService, s.directoryService);
  const got = new NixHash("sha256", narSha256);
  check(f.url, f.hash, got);
  return { node, narSize, narSha256, ca: new ContentAddress("nar", got) };
}

async function fetchNar(s: StoreServices, f: Extract<Fetch, { kind: "nar" }>): Promise<Stored> {
  const t = tap(decompress(downloadStream(f.url)), f.hash.algo);
  let r: Awaited<ReturnType<typeof ingestNar>>;
  try {
    r = await ingestNar(s.blobService, s.directoryService, t.stream);
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(`unpacking NAR from '${f.url}': ${(e as Error).message}`, { cause: e });
  }
  const got = t.digest();
  check(f.url, f.hash, got);
  return { ...r, ca: new ContentAddress("nar", got) };
}

async function fetchGit(
  s: StoreServices,
  f: Extract<Fetch, { kind: "git" }>,
): Promise<Stored & { git: FetchResult["git"] }> {
  const g = await resolveGit(f.url, f.ref, f.rev, f.allRefs);
  try {
    let node: Node;
    let narSize: number;
    let narSha256: Uint8Array;
    if (g.dirty || f.submodules) {
      let dir = g.repo;
      let cleanup = async () => {};
      let include: (p: string) => boolean;
      if (g.dirty) {
        const files = await trackedFiles(g.repo);
        const keep = new Set<string>();
        for (const file of files)
          for (let p = file; p.length > g.repo.length; p = p.slice(0, p.lastIndexOf("/")))
            keep.add(p);
        include = (p) => keep.has(p);
      } else {
        const co = await checkoutWithSubmodules(g.repo, g.rev);
        dir = co.dir;
        cleanup = co.cleanup;
        include = (p) => !p.endsWith("/.git");
      }
      try {
        const root = await localTree(dir, include)();
        ({ node, narSize, narSha256 } = await ingestNar(
          s.blobService,
          s.directoryService,
          writeNar(root),
        ));
      } finally {
        await cleanup();
      }
    } else {
      const tar = gitArchive(g.repo, g.rev);
      node = await ingestArchive(s.blobService, s.directoryService, tar);
      ({ narSize, narSha256 } = await calculateNar(node, s.blobService, s.directoryService));
    }
    const got = new NixHash("sha256", narSha256);
    if (f.hash !== undefined && !specHash(f.hash).equals(got))
      throw new FetchError(
        `NAR hash mismatch in input '${f.url}', expected '${specHash(f.hash).toSri()}' but got '${got.toSri()}'`,
      );
    return {
      node,
      narSize,
      narSha256,
      ca: new ContentAddress("nar", got),
      git: { rev: g.rev, revCount: g.revCount, lastModified: g.lastModified, dirty: g.dirty },
    };
  } finally {
    await g.cleanup();
  }
}

/** `git archive` of `rev` under a `source/` prefix (one top-level directory, as castore wants). */
async function* gitArchive(repo: string, rev: string): AsyncGenerator<Uint8Array> {
  const { spawn } = await import("node:child_process");
  const p = spawn("git", ["archive", "--format=tar", "--prefix=source/", rev], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  p.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<number>((res) => p.on("close", (code) => res(code ?? 1)));
  for await (const c of p.stdout) yield c as Buffer;
  if ((await done) !== 0) throw new FetchError(`git archive failed: ${err.trim()}`);
}

export async function runFetch(
  s: StoreServices,
  f: Fetch,
  expectedPath: string | undefined,
): Promise<FetchResult> {
  let stored: Stored & { git?: FetchResult["git"] };
  switch (f.kind) {
    case "file":
      stored = await fetchFile(s, f);
      break;
    case "tarball":
      stored = await fetchTarball(s, f);
      break;
    case "nar":
      stored = await fetchNar(s, f);
      break;
    case "git":
      stored = await fetchGit(s, f);
      break;
  }
  let storePath: string;
  try {
    storePath = makeFixedOutputPath(f.name, stored.ca).toAbsolutePath();
  } catch (e) {
    throw new FetchError((e as Error).message);
  }
  if (expectedPath !== undefined && storePath !== expectedPath)
    throw new FetchError(
      `fetching '${f.url}' produced '${storePath}' instead of the expected '${expectedPath}'`,
    );
  await persistNode(s, storePath, stored.node, stored.narSize, stored.narSha256, stored.ca);
  return {
    storePath,
    narHashSri: new NixHash("sha256", stored.narSha256).toSri(),
    git: stored.git,
  };
}

export { git };

/**
 * Writing what the evaluator computed into the store: local sources (optionally filtered, or
 * flat), texts (`toFile`, `.drv` files), and downloaded trees. Every object goes through a NAR
 * that is ingested while its hash is checked against what the evaluator computed, so the store
 * holds exactly the path that was promised; the PathInfo is written last.
 */

import { createHash } from "node:crypto";
import { lstat, readFile } from "node:fs/promises";
import type { Node } from "@tvix-ts/castore";
import {
  ContentAddress,
  fromHex,
  makeFixedOutputPath,
  NixHash,
  parseAbsoluteStorePath,
  writeNar,
} from "@tvix-ts/nix-compat";
import { ingestNar, PathInfo, type StoreServices } from "@tvix-ts/store";
import { localTree } from "./local-tree.ts";

const b = (p: string) => Buffer.from(p, "latin1");

export class PersistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PersistError";
  }
}

async function putInfo(
  s: StoreServices,
  storePath: string,
  node: Node,
  narSize: number,
  narSha256: Uint8Array,
  ca: ContentAddress,
  refs: readonly string[] = [],
): Promise<void> {
  await s.pathInfoService.put(
    new PathInfo({
      storePath: parseAbsoluteStorePath(storePath),
      node,
      narSize,
      narSha256,
      ca,
      references: refs.map((r) => parseAbsoluteStorePath(r)),
    }),
  );
}

export async function persistImport(
  s: StoreServices,
  storePath: string,
  source: string,
  excluded: readonly string[],
  flat: boolean,
  narSha256Hex: string,
): Promise<void> {
  const name = storePath.slice(storePath.lastIndexOf("/") + 34);
  if (flat) {
    const data = await readFile(b(source));
    const st = await lstat(b(source));
    const h = new NixHash("sha256", new Uint8Array(createHash("sha256").update(data).digest()));
    const ca = new ContentAddress("flat", h);
    if (makeFixedOutputPath(name, ca).toAbsolutePath() !== storePath)
      throw new PersistError(`'${source}' changed while it was being imported`);
    const nar = writeNar({ type: "regular", executable: (st.mode & 0o100) !== 0, contents: data });
    const r = await ingestNar(s.blobService, s.directoryService, nar);
    await putInfo(s, storePath, r.node, r.narSize, r.narSha256, ca);
    return;
  }
  const ex = new Set(excluded);
  const root = await localTree(source, (p) => !ex.has(p))();
  const r = await ingestNar(s.blobService, s.directoryService, writeNar(root), {
    expectedSha256: narSha256Hex === "" ? undefined : fromHex(narSha256Hex),
  }).catch((e) => {
    throw new PersistError(`importing '${source}': ${(e as Error).message}`);
  });
  const ca = new ContentAddress("nar", new NixHash("sha256", r.narSha256));
  if (makeFixedOutputPath(name, ca).toAbsolutePath() !== storePath)
    throw new PersistError(`'${source}' changed while it was being imported`);
  await putInfo(s, storePath, r.node, r.narSize, r.narSha256, ca);
}

/** More than the NAR framing around one regular file's contents (~120 bytes and padding). */
const NAR_FRAMING = 256;

export async function persistText(
  s: StoreServices,
  storePath: string,
  contents: Uint8Array,
  refs: readonly string[],
): Promise<void> {
  const r = await ingestNar(
    s.blobService,
    s.directoryService,
    // A NAR buffer of the file's size (plus its framing), not the default 256 KiB: an
    // instantiation persists tens of thousands of small .drv files.
    writeNar(
      { type: "regular", executable: false, contents },
      { chunkSize: contents.length + NAR_FRAMING },
    ),
  );
  const ca = new ContentAddress("text", NixHash.of("sha256", contents));
  await putInfo(s, storePath, r.node, r.narSize, r.narSha256, ca, refs);
}

/** Records a tree already in castore under a content-addressed store path. */
export async function persistNode(
  s: StoreServices,
  storePath: string,
  node: Node,
  narSize: number,
  narSha256: Uint8Array,
  ca: ContentAddress,
): Promise<void> {
  await putInfo(s, storePath, node, narSize, narSha256, ca);
}

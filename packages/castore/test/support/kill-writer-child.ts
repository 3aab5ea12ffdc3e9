/**
 * Child process for the kill-the-writer test: imports a changing tree over and over into the
 * given services, printing `done <i> <root hex>` after each completed import, until killed.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  blobServiceFromUrl,
  digestToHex,
  directoryServiceFromUrl,
  ingestPath,
} from "../../src/index.ts";
import { noise } from "./blob-conformance.ts";

const [blobUrl, dirUrl, src] = process.argv.slice(2) as [string, string, string];
const blobs = blobServiceFromUrl(blobUrl);
const dirs = directoryServiceFromUrl(dirUrl);

for (let i = 0; ; i++) {
  await writeFile(join(src, "counter"), String(i));
  await writeFile(join(src, "sub", "big"), noise(i + 1, 1_500_000));
  await writeFile(join(src, "sub", "deeper", "small"), `small ${i}`);
  const node = await ingestPath(blobs, dirs, src, { concurrency: 4 });
  if (node.type !== "directory") throw new Error("expected a directory");
  process.stdout.write(`done ${i} ${digestToHex(node.digest)}\n`);
}

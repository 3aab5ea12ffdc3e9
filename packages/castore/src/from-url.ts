/**
 * Service construction from one URL (castore-store.md §3.3, §4.3, §16.5). A URL is the same as
 * a one-entry composition: it goes through the composition registry (`composition/builtins.ts`
 * lists the forms), so URLs and composition files build the same objects.
 */
import type { BlobService } from "./blob/types.ts";
import { Composition } from "./composition/composition.ts";
import type { ServiceDefaults } from "./composition/defaults.ts";
import type { DirectoryService } from "./directory/types.ts";

export function blobServiceFromUrl(url: string, defaults?: ServiceDefaults): BlobService {
  return new Composition({}, { defaults }).buildUrl<BlobService>("blob", url);
}

export function directoryServiceFromUrl(url: string, defaults?: ServiceDefaults): DirectoryService {
  return new Composition({}, { defaults }).buildUrl<DirectoryService>("directory", url);
}

/** The three services a store is made of, and how NAR hashes are computed for them. */
import type { BlobService, DirectoryService } from "@tvix-ts/castore";
import { SimpleNarCalculator } from "./nar/render.ts";
import type { NarCalculationService, PathInfoService } from "./pathinfo/types.ts";

export interface StoreServices {
  readonly blobService: BlobService;
  readonly directoryService: DirectoryService;
  readonly pathInfoService: PathInfoService;
}

/**
 * The PathInfoService's own NAR calculator when it has one (a gRPC daemon renders where the
 * data is), else local rendering over the blob and directory services (Tvix's rule).
 */
export function narCalculator(s: StoreServices): NarCalculationService {
  return (
    s.pathInfoService.narCalculationService?.() ??
    new SimpleNarCalculator(s.blobService, s.directoryService)
  );
}

/**
 * @tvix-ts/glue/host: the host side of glue (store services, fetchers, persistence) and the
 * runner that evaluates in a worker thread while this thread serves the store.
 */
import { type OpenedStore, openStore } from "@tvix-ts/store";

export { FetchError } from "./download.ts";
export { runFetch } from "./fetch.ts";
export { GlueHost, type HostLinkHandle } from "./host.ts";
export { PersistError, persistImport, persistText } from "./persist.ts";
export { type RunOptions, runGlueWorker } from "./run.ts";
export { StoreReader } from "./store-read.ts";

/** In-memory blob, directory and path info services (`tvix eval`'s default). */
export function memoryStore(): OpenedStore {
  return openStore({
    blobServiceAddr: "memory://",
    directoryServiceAddr: "memory://",
    pathInfoServiceAddr: "memory://",
  });
}

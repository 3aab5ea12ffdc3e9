/**
 * Opening a store the way the commands do (DESIGN.md §2): with no configuration, a local
 * persistent store under `$XDG_DATA_HOME/tvix` (`~/.local/share/tvix`) — blobs as files,
 * directories and path infos in SQLite; otherwise one URL per service, or a composition file.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  type BlobService,
  type Composition,
  ConfigError,
  type DirectoryService,
  parseCompositionToml,
} from "@tvix-ts/castore";
import { storeComposition, storeRegistry } from "./composition.ts";
import type { PathInfoService } from "./pathinfo/types.ts";
import type { StoreServices } from "./services.ts";

export interface StoreUrls {
  readonly blob: string;
  readonly directory: string;
  readonly pathinfo: string;
}

/** `$XDG_DATA_HOME/tvix`, or `~/.local/share/tvix`. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg?.startsWith("/") ? xdg : join(homedir(), ".local", "share"), "tvix");
}

/** The service URLs of a local persistent store rooted at `dir`. */
export function localStoreUrls(dir: string): StoreUrls {
  return {
    blob: `objectstore+file://${dir}/blobs`,
    directory: `sqlite://${dir}/directories.sqlite`,
    pathinfo: `sqlite://${dir}/pathinfo.sqlite`,
  };
}

export interface OpenStoreOptions {
  readonly blobServiceAddr?: string;
  readonly directoryServiceAddr?: string;
  readonly pathInfoServiceAddr?: string;
  /** A composition file (TOML); its `default` entries are used. Overrides the URLs. */
  readonly compositionFile?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface OpenedStore extends StoreServices {
  readonly composition: Composition;
  close(): Promise<void>;
}

/**
 * Builds the three `default` services. Flags win over the environment variables
 * `BLOB_SERVICE_ADDR`, `DIRECTORY_SERVICE_ADDR`, `PATH_INFO_SERVICE_ADDR` (as in Tvix), which
 * win over the local default store.
 */
export function openStore(opts: OpenStoreOptions = {}): OpenedStore {
  const env = opts.env ?? process.env;
  let composition: Composition;
  if (opts.compositionFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.compositionFile, "utf8");
    } catch (e) {
      throw new ConfigError(
        "InvalidToml",
        `cannot read ${opts.compositionFile}: ${(e as Error).message}`,
      );
    }
    const file = parseCompositionToml(text, opts.compositionFile);
    composition = storeComposition(file.entries, file.defaults);
  } else {
    const local = localStoreUrls(defaultStoreDir(env));
    const urls = {
      blob: opts.blobServiceAddr ?? env.BLOB_SERVICE_ADDR ?? local.blob,
      directory: opts.directoryServiceAddr ?? env.DIRECTORY_SERVICE_ADDR ?? local.directory,
      pathinfo: opts.pathInfoServiceAddr ?? env.PATH_INFO_SERVICE_ADDR ?? local.pathinfo,
    };
    composition = storeComposition({
      blob: { default: storeRegistry.configFromUrl("blob", urls.blob) },
      directory: { default: storeRegistry.configFromUrl("directory", urls.directory) },
      pathinfo: { default: storeRegistry.configFromUrl("pathinfo", urls.pathinfo) },
    });
  }
  return {
    composition,
    get blobService() {
      return composition.build<BlobService>("blob", "default");
    },
    get directoryService() {
      return composition.build<DirectoryService>("directory", "default");
    },
    get pathInfoService() {
      return composition.build<PathInfoService>("pathinfo", "default");
    },
    close: () => composition.close(),
  };
}

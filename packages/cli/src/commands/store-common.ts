/**
 * What the `tvix store ...` commands share: the service flags (and their environment
 * variables), opening the store, and parsing store path arguments. Heavy modules are imported
 * only when a command runs.
 */
import type { OpenedStore } from "@tvix-ts/store";
import type { Options } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";

export const serviceOptions = {
  "blob-service-addr": { type: "string" },
  "directory-service-addr": { type: "string" },
  "path-info-service-addr": { type: "string" },
  "store-composition": { type: "string" },
} as const satisfies Options;

export const serviceHelp = `Store options:
  --blob-service-addr URL       blob service (env BLOB_SERVICE_ADDR)
  --directory-service-addr URL  directory service (env DIRECTORY_SERVICE_ADDR)
  --path-info-service-addr URL  path info service (env PATH_INFO_SERVICE_ADDR)
  --store-composition FILE      a TOML composition file; its 'default' services
                                are used (env TVIX_STORE_COMPOSITION)
Without them the local store under $XDG_DATA_HOME/tvix (~/.local/share/tvix)
is used: blobs as files, directories and path infos in SQLite.
`;

type ServiceValues = {
  [K in keyof typeof serviceOptions]?: string;
};

/** Opens the store the flags describe; configuration errors become user errors. */
export async function openStoreFromFlags(values: ServiceValues): Promise<OpenedStore> {
  const [{ openStore }, { ConfigError }] = await Promise.all([
    import("@tvix-ts/store"),
    import("@tvix-ts/castore"),
  ]);
  const compositionFile = values["store-composition"] ?? process.env.TVIX_STORE_COMPOSITION;
  if (
    values["store-composition"] !== undefined &&
    (values["blob-service-addr"] ??
      values["directory-service-addr"] ??
      values["path-info-service-addr"]) !== undefined
  ) {
    throw new UsageError("--store-composition cannot be combined with --*-service-addr");
  }
  try {
    const store = openStore({
      blobServiceAddr: values["blob-service-addr"],
      directoryServiceAddr: values["directory-service-addr"],
      pathInfoServiceAddr: values["path-info-service-addr"],
      compositionFile,
    });
    // Build the services now, so bad configuration is reported before any work starts.
    void store.blobService;
    void store.directoryService;
    void store.pathInfoService;
    return store;
  } catch (e) {
    if (e instanceof ConfigError) throw new UserError(e.message);
    throw e;
  }
}

/** Runs `f` with the store open and closes it afterwards; service errors become user errors. */
export async function withStore<T>(
  values: ServiceValues,
  f: (store: OpenedStore) => Promise<T>,
): Promise<T> {
  const store = await openStoreFromFlags(values);
  const { CastoreError } = await import("@tvix-ts/castore");
  try {
    return await f(store);
  } catch (e) {
    if (e instanceof CastoreError) throw new UserError(e.message);
    throw e;
  } finally {
    await store.close();
  }
}

/** `/nix/store/<hash>-<name>[/sub/path]` (or without `/nix/store/`) -> store path + components. */
export async function parseStoreArg(arg: string) {
  const { parseStorePathAndSubpath, parseStorePathBaseName, STORE_DIR_WITH_SLASH } = await import(
    "@tvix-ts/nix-compat"
  );
  try {
    const abs = arg.startsWith("/") ? arg : `${STORE_DIR_WITH_SLASH}${arg}`;
    const { storePath, subpath } = parseStorePathAndSubpath(abs);
    void parseStorePathBaseName;
    const components = subpath
      .split("/")
      .filter((c) => c !== "" && c !== ".")
      .map((c) => {
        if (c === "..") throw new UserError(`'${arg}': '..' is not allowed in store paths`);
        return new Uint8Array(Buffer.from(c));
      });
    return { storePath, components, subpath };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`'${arg}' is not a store path: ${(e as Error).message}`);
  }
}

/** The PathInfo of a store path argument, or a user error saying it is not in the store. */
export async function getPathInfo(store: OpenedStore, arg: string) {
  const { storePath, components, subpath } = await parseStoreArg(arg);
  const info = await store.pathInfoService.get(storePath.digest);
  if (!info) throw new UserError(`path '${storePath.toAbsolutePath()}' is not in the store`);
  return { info, components, subpath };
}

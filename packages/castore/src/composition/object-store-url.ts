/**
 * The object store an `object_store_url` (the part after `objectstore+`) names, with its
 * `object_store_options` (from a composition entry, or a URL's query parameters).
 */
import { ConfigError } from "../errors.ts";
import { FileObjectStore } from "../objectstore/file.ts";
import { MemoryObjectStore } from "../objectstore/memory.ts";
import type { ObjectStore } from "../objectstore/types.ts";

export interface ObjectStoreSpec {
  readonly url: string;
  readonly options: Readonly<Record<string, string>>;
}

function fail(spec: ObjectStoreSpec, why: string): never {
  throw new ConfigError("InvalidUrl", `${spec.url}: ${why}`);
}

function noOptions(spec: ObjectStoreSpec): void {
  const extra = Object.keys(spec.options);
  if (extra.length > 0) fail(spec, `unknown option ${extra[0]}`);
}

/** Checks the URL and options, returning a function that opens the store. */
export function objectStoreOpener(spec: ObjectStoreSpec): () => ObjectStore {
  let u: URL;
  try {
    u = new URL(spec.url);
  } catch {
    throw new ConfigError("InvalidUrl", `invalid object store URL: ${spec.url}`);
  }
  switch (u.protocol) {
    case "file:": {
      if (u.host !== "") fail(spec, "host may not be set");
      if (u.search !== "") fail(spec, "file object stores take no parameters");
      noOptions(spec);
      const path = decodeURIComponent(u.pathname);
      if (path === "" || path === "/") fail(spec, "refusing to use / as an object store");
      return () => new FileObjectStore(path);
    }
    case "memory:":
      if (u.host !== "" || (u.pathname !== "/" && u.pathname !== "") || u.search !== "") {
        fail(spec, "memory object stores take no host, path or parameters");
      }
      noOptions(spec);
      return () => new MemoryObjectStore();
    default:
      return fail(
        spec,
        `unsupported object store ${u.protocol.slice(0, -1)} (supported: file, memory)`,
      );
  }
}

/**
 * Splits `objectstore+<inner>?a=b` into the inner URL and its query parameters (Tvix passes the
 * parameters as object_store_options); `keep` names parameters that belong to the service
 * instead (`avg_chunk_size`).
 */
export function splitObjectStoreUrl(
  u: URL,
  keep: readonly string[] = [],
): { url: string; options: Record<string, string>; kept: Record<string, string> } {
  const inner = new URL(u.href.slice("objectstore+".length));
  const options: Record<string, string> = {};
  const kept: Record<string, string> = {};
  for (const [k, v] of u.searchParams) (keep.includes(k) ? kept : options)[k] = v;
  inner.search = "";
  // URL keeps "?" off when search is empty; a bare "memory:///" stays as written.
  return { url: inner.href, options, kept };
}

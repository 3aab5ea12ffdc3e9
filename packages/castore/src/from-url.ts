/**
 * Service construction from one URL (castore-store.md §3.3, §4.3, §16.5):
 *
 * | blob service                       | directory service                    |
 * |------------------------------------|--------------------------------------|
 * | `memory://`                        | `memory://`                          |
 * | `objectstore+file:///DIR`          | `objectstore+file:///DIR`            |
 * | `objectstore+memory:///`           | `objectstore+memory:///`             |
 * | `grpc+unix:///SOCK`, `grpc+http(s)://HOST:PORT` (both)                    |
 * |                                    | `sqlite:///FILE`, `sqlite://` (temp) |
 * |                                    | `cache://?near=URL&far=URL`          |
 *
 * `objectstore+…` blob URLs take `?avg_chunk_size=N` (a tvix-ts extension; Tvix always uses
 * 256 KiB from a URL). Anything else is a ConfigError naming the URL.
 */
import { MemoryBlobService } from "./blob/memory.ts";
import { ObjectStoreBlobService } from "./blob/objectstore.ts";
import type { BlobService } from "./blob/types.ts";
import { CacheDirectoryService } from "./directory/cache.ts";
import { MemoryDirectoryService } from "./directory/memory.ts";
import { ObjectStoreDirectoryService } from "./directory/objectstore.ts";
import { SqliteDirectoryService } from "./directory/sqlite.ts";
import type { DirectoryService } from "./directory/types.ts";
import { ConfigError } from "./errors.ts";
import { GrpcBlobService } from "./grpc/blob-client.ts";
import { GrpcDirectoryService } from "./grpc/directory-client.ts";
import { transportFromUrl } from "./grpc/transport.ts";
import { FileObjectStore } from "./objectstore/file.ts";
import { MemoryObjectStore } from "./objectstore/memory.ts";
import type { ObjectStore } from "./objectstore/types.ts";

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ConfigError("InvalidUrl", `invalid service URL: ${url}`);
  }
}

function fail(url: string, why: string): never {
  throw new ConfigError("InvalidUrl", `${url}: ${why}`);
}

function allowQuery(u: URL, url: string, allowed: readonly string[]): void {
  for (const k of u.searchParams.keys()) {
    if (!allowed.includes(k)) fail(url, `unknown parameter ${k}`);
  }
}

/** `memory://` with nothing else (Tvix rejects `memory:///` and `memory://foo`). */
function checkMemory(u: URL, url: string): void {
  if (u.host !== "" || u.pathname !== "" || u.search !== "") {
    fail(url, "memory:// takes no host, path or parameters");
  }
}

/** The object store an `objectstore+<scheme>` URL names. */
function objectStoreOf(u: URL, url: string): ObjectStore {
  const inner = u.protocol.slice("objectstore+".length, -1);
  switch (inner) {
    case "file": {
      if (u.host !== "") fail(url, "host may not be set");
      const path = decodeURIComponent(u.pathname);
      if (path === "" || path === "/") fail(url, "refusing to use / as an object store");
      return new FileObjectStore(path);
    }
    case "memory":
      if (u.host !== "" || (u.pathname !== "/" && u.pathname !== "")) {
        fail(url, "objectstore+memory takes no host or path");
      }
      return new MemoryObjectStore();
    default:
      return fail(url, `unsupported object store ${inner} (supported: file, memory)`);
  }
}

export function blobServiceFromUrl(url: string): BlobService {
  const u = parse(url);
  if (u.protocol === "memory:") {
    checkMemory(u, url);
    return new MemoryBlobService();
  }
  if (u.protocol.startsWith("objectstore+")) {
    allowQuery(u, url, ["avg_chunk_size"]);
    const avg = u.searchParams.get("avg_chunk_size");
    const avgChunkSize = avg === null ? undefined : Number(avg);
    if (avgChunkSize !== undefined && !(Number.isInteger(avgChunkSize) && avgChunkSize >= 256)) {
      fail(url, `invalid avg_chunk_size ${avg}`);
    }
    return new ObjectStoreBlobService(objectStoreOf(u, url), { avgChunkSize });
  }
  if (u.protocol.startsWith("grpc+")) return new GrpcBlobService(transportFromUrl(url));
  return fail(url, `unknown blob service type ${u.protocol.slice(0, -1)}`);
}

export function directoryServiceFromUrl(url: string): DirectoryService {
  const u = parse(url);
  switch (u.protocol) {
    case "memory:":
      checkMemory(u, url);
      return new MemoryDirectoryService();
    case "sqlite:": {
      if (u.host !== "") fail(url, "host may not be set");
      allowQuery(u, url, []);
      const path = decodeURIComponent(u.pathname);
      if (path === "") return new SqliteDirectoryService();
      if (path === "/") fail(url, "cowardly refusing to open / with sqlite");
      return new SqliteDirectoryService(path);
    }
    case "cache:": {
      if (u.host !== "" || u.pathname !== "") fail(url, "cache:// takes only ?near=&far=");
      allowQuery(u, url, ["near", "far"]);
      const near = u.searchParams.get("near");
      const far = u.searchParams.get("far");
      if (!near || !far) fail(url, "cache:// needs both near and far");
      return new CacheDirectoryService(directoryServiceFromUrl(near), directoryServiceFromUrl(far));
    }
  }
  if (u.protocol.startsWith("objectstore+")) {
    allowQuery(u, url, []);
    return new ObjectStoreDirectoryService(objectStoreOf(u, url));
  }
  if (u.protocol.startsWith("grpc+")) return new GrpcDirectoryService(transportFromUrl(url));
  return fail(url, `unknown directory service type ${u.protocol.slice(0, -1)}`);
}

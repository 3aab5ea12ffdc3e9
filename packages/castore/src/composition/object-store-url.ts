/**
 * The object store an `object_store_url` (the part after `objectstore+`) names, with its
 * `object_store_options` (from a composition entry, or a URL's query parameters).
 */
import { FileObjectStore } from "../objectstore/file.ts";
import { MemoryObjectStore } from "../objectstore/memory.ts";
import { type S3Config, S3ObjectStore } from "../objectstore/s3.ts";
import type { ObjectStore } from "../objectstore/types.ts";
import { decodeUrlPart, decodeUrlPath, invalidUrl, parseUrl } from "./url.ts";

export interface ObjectStoreSpec {
  readonly url: string;
  readonly options: Readonly<Record<string, string>>;
  /** The entry or service URL the store is configured in, for messages. */
  readonly where?: string;
}

/** Names the object store URL, and where it was given when that is known. */
function label(spec: ObjectStoreSpec): string {
  return spec.where === undefined ? spec.url : `${spec.where}: object store ${spec.url}`;
}

function fail(spec: ObjectStoreSpec, why: string): never {
  return invalidUrl(label(spec), why);
}

function noOptions(spec: ObjectStoreSpec): void {
  const extra = Object.keys(spec.options);
  if (extra.length > 0) fail(spec, `unknown option ${extra[0]}`);
}

/** Checks the URL and options, returning a function that opens the store. */
export function objectStoreOpener(spec: ObjectStoreSpec): () => ObjectStore {
  const u = parseUrl(spec.url, label(spec));
  switch (u.protocol) {
    case "file:": {
      if (u.host !== "") fail(spec, "host may not be set");
      if (u.search !== "") fail(spec, "file object stores take no parameters");
      noOptions(spec);
      const path = decodeUrlPath(u.pathname, label(spec));
      if (path === "" || path === "/") fail(spec, "refusing to use / as an object store");
      return () => new FileObjectStore(path);
    }
    case "memory:":
      if (u.host !== "" || (u.pathname !== "/" && u.pathname !== "") || u.search !== "") {
        fail(spec, "memory object stores take no host, path or parameters");
      }
      noOptions(spec);
      return () => new MemoryObjectStore();
    case "s3:": {
      const config = s3Config(spec, u);
      return () => new S3ObjectStore(config);
    }
    default:
      return fail(
        spec,
        `unsupported object store ${u.protocol.slice(0, -1)} (supported: file, memory, s3)`,
      );
  }
}

const PREFIX = "objectstore+";

/**
 * Splits `objectstore+<inner>?a=b` into the inner URL and its query parameters (Tvix passes the
 * parameters as object_store_options); `keep` names parameters that belong to the service
 * instead (`avg_chunk_size`). `raw` is the URL as given, for messages.
 */
export function splitObjectStoreUrl(
  u: URL,
  raw: string,
  keep: readonly string[] = [],
): { url: string; options: Record<string, string>; kept: Record<string, string> } {
  // The registry picks this type for any `objectstore…:` scheme; only `objectstore+<scheme>:`
  // names a store (`objectstore:memory:///` would otherwise be cut at the wrong place).
  if (!u.protocol.startsWith(PREFIX) || u.protocol === `${PREFIX}:`) {
    invalidUrl(raw, "expected objectstore+<object store URL>");
  }
  let inner: URL;
  try {
    inner = new URL(u.href.slice(PREFIX.length));
  } catch {
    invalidUrl(raw, "invalid object store URL after objectstore+");
  }
  // Null-prototype maps: a parameter named `__proto__` must arrive as an (unknown) option.
  const options: Record<string, string> = Object.create(null);
  const kept: Record<string, string> = Object.create(null);
  for (const [k, v] of u.searchParams) {
    const into = keep.includes(k) ? kept : options;
    // Which of two values would win is not obvious to whoever wrote them.
    if (Object.hasOwn(into, k)) invalidUrl(raw, `${k} given twice`);
    into[k] = v;
  }
  inner.search = "";
  // URL keeps "?" off when search is empty; a bare "memory:///" stays as written.
  return { url: inner.href, options, kept };
}

/**
 * S3 options: Apache object_store's names (`aws_…`) and their short forms; anything not given
 * comes from the usual AWS environment variables. No credentials at all means unsigned
 * requests (public buckets). A Map, not an object literal: `constructor` or `toString` must be
 * unknown options rather than inherited entries.
 */
const S3_OPTIONS = new Map<string, keyof S3Config | "allowHttp">(
  Object.entries({
    endpoint: "endpoint",
    aws_endpoint: "endpoint",
    aws_endpoint_url: "endpoint",
    region: "region",
    aws_region: "region",
    access_key_id: "accessKeyId",
    aws_access_key_id: "accessKeyId",
    secret_access_key: "secretAccessKey",
    aws_secret_access_key: "secretAccessKey",
    session_token: "sessionToken",
    aws_session_token: "sessionToken",
    token: "sessionToken",
    aws_token: "sessionToken",
    virtual_hosted_style_request: "virtualHosted",
    aws_virtual_hosted_style_request: "virtualHosted",
    // Accepted for compatibility with object_store URLs; plain-HTTP endpoints are allowed anyway.
    allow_http: "allowHttp",
    aws_allow_http: "allowHttp",
  } as const),
);

function s3Config(spec: ObjectStoreSpec, u: URL): S3Config {
  const bucket = decodeUrlPart(u.hostname, label(spec));
  if (bucket === "") fail(spec, "missing bucket name (s3://BUCKET/PREFIX)");
  if (u.port !== "" || u.username !== "" || u.password !== "") {
    fail(spec, "the bucket name cannot carry a port or credentials; use endpoint=…");
  }
  const given: Partial<Record<keyof S3Config | "allowHttp", string>> = {};
  for (const [k, v] of [...u.searchParams, ...Object.entries(spec.options)]) {
    const field = S3_OPTIONS.get(k);
    if (!field) fail(spec, `unknown option ${k}`);
    given[field] = v;
  }
  const env = process.env;
  const endpoint = given.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined) {
    try {
      const e = new URL(endpoint);
      if (e.protocol !== "http:" && e.protocol !== "https:") throw new Error("not http(s)");
    } catch {
      fail(spec, `invalid endpoint ${endpoint}`);
    }
  }
  const flag = (v: string | undefined) => v === "true" || v === "1";
  const prefix = decodeUrlPart(u.pathname, label(spec)).replace(/^\/+|\/+$/g, "");
  for (const seg of prefix.split("/")) {
    if (prefix !== "" && (seg === "" || seg === "." || seg === ".."))
      fail(spec, `invalid prefix ${prefix}`);
  }
  return {
    bucket,
    prefix,
    endpoint,
    region: given.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    virtualHosted: flag(given.virtualHosted),
    accessKeyId: given.accessKeyId ?? env.AWS_ACCESS_KEY_ID,
    secretAccessKey: given.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY,
    sessionToken: given.sessionToken ?? env.AWS_SESSION_TOKEN,
  };
}

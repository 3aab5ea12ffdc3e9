/**
 * ObjectStore over the S3 REST API (`objectstore+s3://BUCKET/PREFIX?endpoint=…&region=…`):
 * GET, HEAD, PUT and DELETE of whole objects, signed with AWS Signature V4 by `aws4fetch`
 * (a few hundred lines over `fetch`, instead of the AWS SDK), or unsigned when no credentials
 * are configured (public buckets). A PUT is atomic in S3, so objects are all-or-nothing as the
 * ObjectStore contract requires.
 *
 * With an `endpoint` (MinIO, Garage, Ceph, R2, a test server) requests are path-style
 * (`ENDPOINT/BUCKET/KEY`); without one they go to AWS, virtual-hosted
 * (`https://BUCKET.s3.REGION.amazonaws.com/KEY`). Every request is idempotent here (keys are
 * content addresses), so server errors (5xx, 429) and network failures are retried with
 * backoff; anything else is an error naming the S3 error code.
 */
import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { checkKey, type ObjectStore } from "./types.ts";

export interface S3Config {
  readonly bucket: string;
  /** Key prefix without leading or trailing slashes ("" for none). */
  readonly prefix: string;
  readonly region: string;
  /** Base URL of an S3-compatible server; absent means AWS itself. */
  readonly endpoint?: string;
  /** Use `BUCKET.host` instead of `host/BUCKET` with a custom endpoint. */
  readonly virtualHosted?: boolean;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** Attempts per request (default 4). */
  readonly attempts?: number;
  /** Per-request timeout (default 60 s). */
  readonly timeoutMs?: number;
}

/** A failed S3 request: HTTP status and S3 error code (`AccessDenied`, `NoSuchBucket`, …). */
export class S3Error extends Error {
  readonly status: number;
  readonly s3Code: string;
  constructor(status: number, s3Code: string, message: string) {
    super(message);
    this.name = "S3Error";
    this.status = status;
    this.s3Code = s3Code;
  }
}

/** Encodes one path segment as S3 expects (RFC 3986 unreserved characters stay). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class S3ObjectStore implements ObjectStore {
  readonly config: S3Config;
  readonly #base: string;
  readonly #client: AwsClient | undefined;
  readonly #attempts: number;
  readonly #timeoutMs: number;

  constructor(config: S3Config) {
    this.config = config;
    const bucket = encodeSegment(config.bucket);
    if (config.endpoint) {
      const ep = new URL(config.endpoint);
      const root = ep.href.replace(/\/+$/, "");
      this.#base = config.virtualHosted
        ? `${ep.protocol}//${bucket}.${ep.host}${ep.pathname.replace(/\/+$/, "")}`
        : `${root}/${bucket}`;
    } else {
      this.#base = `https://${bucket}.s3.${config.region}.amazonaws.com`;
    }
    if (config.accessKeyId && config.secretAccessKey) {
      this.#client = new AwsClient({
        accessKeyId: config.accessKeyId,
        secretAccessKey: config.secretAccessKey,
        sessionToken: config.sessionToken,
        service: "s3",
        region: config.region,
        retries: 0, // retried below, network failures included
      });
    }
    this.#attempts = config.attempts ?? 4;
    this.#timeoutMs = config.timeoutMs ?? 60_000;
  }

  #url(key: string): string {
    checkKey(key);
    const full = this.config.prefix ? `${this.config.prefix}/${key}` : key;
    return `${this.#base}/${full.split("/").map(encodeSegment).join("/")}`;
  }

  async #request(method: string, key: string, body?: Uint8Array): Promise<Response> {
    const url = this.#url(key);
    const headers: Record<string, string> = {};
    if (body) {
      // Signing the payload hash makes S3 reject a body corrupted on the way.
      headers["x-amz-content-sha256"] = createHash("sha256").update(body).digest("hex");
      headers["content-type"] = "application/octet-stream";
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      if (attempt > 0) await sleep(Math.random() * 50 * 2 ** attempt);
      const init: RequestInit = {
        method,
        headers,
        body: body as RequestInit["body"],
        signal: AbortSignal.timeout(this.#timeoutMs),
      };
      try {
        const res = this.#client ? await this.#client.fetch(url, init) : await fetch(url, init);
        if (res.status >= 500 || res.status === 429) {
          lastError = await errorOf(method, key, res);
          continue;
        }
        return res;
      } catch (e) {
        lastError = e;
      }
    }
    if (lastError instanceof S3Error) throw lastError;
    throw new Error(`S3 ${method} ${key}: ${(lastError as Error)?.message ?? lastError}`, {
      cause: lastError,
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const res = await this.#request("GET", key);
    if (res.status === 404) return discard(res, undefined);
    if (!res.ok) throw await errorOf("GET", key, res);
    return new Uint8Array(await res.arrayBuffer());
  }

  async head(key: string): Promise<boolean> {
    const res = await this.#request("HEAD", key);
    if (res.status === 404) return discard(res, false);
    if (!res.ok) throw await errorOf("HEAD", key, res);
    return discard(res, true);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const res = await this.#request("PUT", key, data);
    if (!res.ok) throw await errorOf("PUT", key, res);
    await discard(res, undefined);
  }

  async delete(key: string): Promise<void> {
    const res = await this.#request("DELETE", key);
    if (!res.ok && res.status !== 404) throw await errorOf("DELETE", key, res);
    await discard(res, undefined);
  }
}

/** Reads (and drops) a response body so the connection can be reused. */
async function discard<T>(res: Response, value: T): Promise<T> {
  await res.arrayBuffer().catch(() => {});
  return value;
}

/** An S3Error from an error response (`<Error><Code>…</Code><Message>…</Message></Error>`). */
async function errorOf(method: string, key: string, res: Response): Promise<S3Error> {
  const text = await res.text().catch(() => "");
  // HEAD errors have no body: then the status text is all there is.
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (res.statusText || `HTTP${res.status}`);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return new S3Error(
    res.status,
    code,
    `S3 ${method} ${key}: ${res.status} ${code}${message ? `: ${message}` : ""}`,
  );
}

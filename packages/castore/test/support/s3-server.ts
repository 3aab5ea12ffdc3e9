/**
 * A minimal S3-compatible server for tests, on 127.0.0.1: path-style PUT / GET (with `Range`) /
 * HEAD / DELETE of objects in memory, S3's XML error bodies, and an independent AWS Signature V4
 * check of every request (written from the AWS documentation, not from the client library, so
 * it really tests the client's signing). Faults can be injected to test retries.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface S3ServerOptions {
  readonly buckets: readonly string[];
  /** Required credentials; absent: anonymous requests are accepted. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export class TestS3Server {
  readonly #server: Server;
  readonly #buckets = new Map<string, Map<string, Buffer>>();
  readonly #credentials: S3ServerOptions["credentials"];
  #faults: number[] = [];
  /** Requests seen, by method. */
  readonly requests: Record<string, number> = {};
  endpoint = "";

  private constructor(options: S3ServerOptions) {
    for (const b of options.buckets) this.#buckets.set(b, new Map());
    this.#credentials = options.credentials;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
  }

  static async start(options: S3ServerOptions): Promise<TestS3Server> {
    const s = new TestS3Server(options);
    await new Promise<void>((resolve) => s.#server.listen(0, "127.0.0.1", resolve));
    s.endpoint = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  /** The next requests fail with these statuses (e.g. 503 SlowDown). */
  failNext(...statuses: number[]): void {
    this.#faults.push(...statuses);
  }

  /** Object keys of a bucket (for layout assertions). */
  keys(bucket: string): string[] {
    return [...(this.#buckets.get(bucket)?.keys() ?? [])].sort();
  }

  object(bucket: string, key: string): Buffer | undefined {
    return this.#buckets.get(bucket)?.get(key);
  }

  setObject(bucket: string, key: string, data: Buffer): void {
    this.#buckets.get(bucket)!.set(key, data);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    this.requests[method] = (this.requests[method] ?? 0) + 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const fault = this.#faults.shift();
    if (fault !== undefined) return error(res, fault, "SlowDown", "injected fault");

    const url = new URL(req.url ?? "/", "http://x");
    if (this.#credentials) {
      const problem = verifySignature(req, url, body, this.#credentials);
      if (problem) return error(res, 403, problem.code, problem.message);
    }
    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const bucket = this.#buckets.get(segments[0] ?? "");
    if (!bucket) return error(res, 404, "NoSuchBucket", "The specified bucket does not exist");
    const key = segments.slice(1).join("/");
    if (key === "") return error(res, 400, "InvalidRequest", "bucket operations are not supported");

    switch (method) {
      case "PUT":
        bucket.set(key, body);
        res.setHeader("ETag", `"${createHash("md5").update(body).digest("hex")}"`);
        return void res.end();
      case "GET":
      case "HEAD": {
        const data = bucket.get(key);
        if (!data) {
          if (method === "HEAD") {
            res.statusCode = 404;
            return void res.end();
          }
          return error(res, 404, "NoSuchKey", "The specified key does not exist.");
        }
        let out = data;
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
        if (range) {
          const start = Number(range[1]);
          const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
          if (start >= data.length) return error(res, 416, "InvalidRange", "range not satisfiable");
          out = data.subarray(start, end + 1);
          res.statusCode = 206;
          res.setHeader("Content-Range", `bytes ${start}-${end}/${data.length}`);
        }
        res.setHeader("Content-Length", out.length);
        res.setHeader("Content-Type", "application/octet-stream");
        return void res.end(method === "GET" ? out : undefined);
      }
      case "DELETE":
        bucket.delete(key);
        res.statusCode = 204;
        return void res.end();
      default:
        return error(res, 405, "MethodNotAllowed", `${method} is not allowed`);
    }
  }
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/xml");
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

const hmac = (key: Buffer | string, data: string) =>
  createHmac("sha256", key).update(data).digest();
const sha256hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
/** URI encoding per the SigV4 spec: everything but A-Z a-z 0-9 - _ . ~ is %XX (uppercase). */
const uriEncode = (s: string) =>
  Array.from(Buffer.from(s, "utf8"))
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");

/** Checks the `Authorization` header of a request; returns the S3 error if it is wrong. */
function verifySignature(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  creds: { accessKeyId: string; secretAccessKey: string },
): { code: string; message: string } | undefined {
  const auth = req.headers.authorization ?? "";
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return { code: "AccessDenied", message: "missing or malformed Authorization" };
  const [, akid, date, region, signedHeaders, signature] = m as unknown as string[];
  if (akid !== creds.accessKeyId) {
    return { code: "InvalidAccessKeyId", message: "unknown access key" };
  }
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!amzDate.startsWith(date!)) return { code: "AccessDenied", message: "date mismatch" };
  const payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
  if (payloadHash === "") return { code: "AccessDenied", message: "missing x-amz-content-sha256" };
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256hex(body)) {
    return { code: "XAmzContentSHA256Mismatch", message: "body does not match its hash" };
  }
  const names = signedHeaders!.split(";");
  if (!names.includes("host")) return { code: "AccessDenied", message: "host not signed" };
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const canonicalUri = url.pathname
    .split("/")
    .map((s) => uriEncode(decodeURIComponent(s)))
    .join("/");
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    req.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonicalRequest)].join("\n");
  const kSigning = hmac(
    hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date!), region!), "s3"),
    "aws4_request",
  );
  const expected = createHmac("sha256", kSigning).update(stringToSign).digest("hex");
  if (expected !== signature) {
    return {
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match",
    };
  }
  return undefined;
}

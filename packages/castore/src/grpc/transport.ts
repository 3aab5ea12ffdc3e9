/**
 * gRPC client URLs (castore-store.md §2.5): `grpc+unix:///abs/socket` (no host allowed),
 * `grpc+http://host[:port]` (h2c) and `grpc+https://host[:port]` (TLS), no path. The
 * `wait-connect` parameter is accepted; connections are always made lazily here.
 */
import { connect as netConnect } from "node:net";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { decodeUrlPath, invalidUrl, parseUrl } from "../composition/url.ts";

export type GrpcTarget =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly baseUrl: string };

/** Checks a gRPC client URL and says where it points; ConfigError if it is not one. */
export function checkGrpcUrl(url: string): GrpcTarget {
  const u = parseUrl(url);
  const fail = (why: string): never => invalidUrl(url, why);
  for (const k of u.searchParams.keys()) if (k !== "wait-connect") fail(`unknown parameter ${k}`);
  switch (u.protocol) {
    case "grpc+unix:": {
      if (u.host !== "") fail("host may not be set for unix domain sockets");
      const path = decodeUrlPath(u.pathname, url);
      if (path === "" || path === "/") fail("missing socket path");
      return { kind: "unix", path };
    }
    case "grpc+http:":
    case "grpc+https:": {
      if (u.pathname !== "" && u.pathname !== "/") fail("path may not be set");
      if (u.host === "") fail("missing host");
      // Credentials would be dropped from the connection without a word.
      if (u.username !== "" || u.password !== "") fail("credentials may not be set");
      const scheme = u.protocol === "grpc+http:" ? "http" : "https";
      const baseUrl = `${scheme}://${u.host}`;
      // The host was only checked as an opaque one; http(s) hosts are stricter (`%zz`, spaces).
      if (!URL.canParse(baseUrl)) fail("invalid host");
      return { kind: "tcp", baseUrl };
    }
    default:
      return fail("grpc+ prefix is missing from URL");
  }
}

/** A (lazily connecting) transport for a gRPC client URL. */
export function transportFromUrl(url: string): Transport {
  const target = checkGrpcUrl(url);
  if (target.kind === "unix") {
    return createGrpcTransport({
      baseUrl: "http://localhost",
      nodeOptions: { createConnection: () => netConnect(target.path) },
    });
  }
  return createGrpcTransport({ baseUrl: target.baseUrl });
}

/** A tiny static HTTP server over a directory (a `file://` binary cache), with overrides. */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface StaticServer {
  readonly url: string;
  /** Replace a file's contents (or 404 it with `null`) until `reset`. */
  override(path: string, body: Uint8Array | string | null): void;
  reset(): void;
  close(): Promise<void>;
}

export async function serveDirectory(root: string): Promise<StaticServer> {
  const overrides = new Map<string, Uint8Array | string | null>();
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).slice(
      1,
    );
    if (path.startsWith("..")) return void res.writeHead(403).end();
    let body: Uint8Array | string | null | undefined = overrides.get(path);
    if (body === undefined) body = await readFile(join(root, path)).catch(() => null);
    if (body === null) return void res.writeHead(404).end();
    res.writeHead(200, { "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    override: (p, b) => void overrides.set(p, b),
    reset: () => overrides.clear(),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

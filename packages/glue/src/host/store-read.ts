/**
 * Reading store paths for the evaluator: store path -> PathInfo -> castore root node, then down
 * the sub-path through directories. Symlinks inside are not followed (the evaluator's IO
 * resolves what it needs).
 */
import type { Node } from "@tvix-ts/castore";
import { parseAbsoluteStorePath } from "@tvix-ts/nix-compat";
import type { StoreServices } from "@tvix-ts/store";
import type { StatResult } from "../protocol.ts";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

export class StoreReader {
  readonly #s: StoreServices;
  readonly #storeDir: string;
  constructor(services: StoreServices, storeDir = "/nix/store") {
    this.#s = services;
    this.#storeDir = storeDir;
  }

  /** The node at `path` (a store path with an optional sub-path), or undefined. */
  async node(path: string): Promise<Node | undefined> {
    const rest = path.slice(this.#storeDir.length + 1);
    const slash = rest.indexOf("/");
    const base = `${this.#storeDir}/${slash < 0 ? rest : rest.slice(0, slash)}`;
    let sp: ReturnType<typeof parseAbsoluteStorePath>;
    try {
      sp = parseAbsoluteStorePath(base);
    } catch {
      return undefined;
    }
    const info = await this.#s.pathInfoService.get(sp.digest);
    if (info === undefined) return undefined;
    let node: Node = info.node;
    const parts =
      slash < 0
        ? []
        : rest
            .slice(slash + 1)
            .split("/")
            .filter((p) => p !== "");
    for (const part of parts) {
      if (node.type !== "directory") return undefined;
      const dir = await this.#s.directoryService.get(node.digest);
      const entry = dir?.entries().find((e) => latin1(e.name) === part);
      if (entry === undefined) return undefined;
      node = entry.node;
    }
    return node;
  }

  async stat(path: string): Promise<StatResult> {
    const n = await this.node(path);
    if (n === undefined) return { type: "missing" };
    if (n.type === "directory") return { type: "directory" };
    if (n.type === "symlink") return { type: "symlink", target: latin1(n.target) };
    return { type: "regular", executable: n.executable, size: n.size };
  }

  async readFile(path: string): Promise<Uint8Array> {
    const n = await this.node(path);
    if (n === undefined) throw new Error("No such file or directory");
    if (n.type !== "file")
      throw new Error(n.type === "directory" ? "Is a directory" : "Invalid argument");
    const r = await this.#s.blobService.openRead(n.digest);
    if (r === undefined) throw new Error(`blob of '${path}' is missing from the blob service`);
    const parts: Uint8Array[] = [];
    for await (const c of r) parts.push(c);
    return Buffer.concat(parts);
  }

  async readDir(path: string): Promise<[string, string][]> {
    const n = await this.node(path);
    if (n === undefined) throw new Error("No such file or directory");
    if (n.type !== "directory") throw new Error("Not a directory");
    const dir = await this.#s.directoryService.get(n.digest);
    return (dir?.entries() ?? []).map((e) => [
      latin1(e.name),
      e.node.type === "file" ? "regular" : e.node.type,
    ]);
  }

  async references(storePath: string): Promise<string[] | undefined> {
    let sp: ReturnType<typeof parseAbsoluteStorePath>;
    try {
      sp = parseAbsoluteStorePath(storePath);
    } catch {
      return undefined;
    }
    const info = await this.#s.pathInfoService.get(sp.digest);
    return info?.references.map((r) => r.path.toAbsolutePath());
  }
}

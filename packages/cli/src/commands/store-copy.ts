import type { Command, CommandIO } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";
import { mib, progressLine } from "../progress.ts";
import { openStoreFromFlags, parseStoreArg, serviceHelp, serviceOptions } from "./store-common.ts";

const help = `Usage: tvix store copy --from URL [--to URL] STOREPATH... [options]

Copies the closures of the STOREPATHs from one store to another and prints the
paths copied. Paths the destination already has are skipped; a path is stored
only after everything it refers to.

Store URLs:
  nix+http(s)://HOST/PATH?trusted-public-keys=NAME:KEY …   a Nix binary cache
  http(s)://HOST/PATH                                      (read only: NARs are
      fetched, decompressed, verified against NarHash and, when keys are given,
      the narinfo signatures; references are fetched too)
  grpc+http://HOST:PORT, grpc+unix:///SOCK    a tvix store daemon
  /DIR                                        a local tvix store rooted at DIR
Without --to the default store is the destination (see the store options).

Options:
  --from URL                 where to copy from (required)
  --to URL                   where to copy to
  --frankenbuild MODE        strict (default): refuse a path from a binary cache
                             whose reference we hold with a different NAR hash
                             than the cache has; warn: only warn; off
  --no-progress              no progress line on a terminal
  -h, --help                 show this help

${serviceHelp}
Exit codes: 0 success, 1 a path is missing, corrupt, untrusted or refused,
2 usage error.
`;

type OpenedStore = import("@tvix-ts/store").OpenedStore;

/** A tvix store from a copy URL (not a binary cache). */
async function openTvixStore(url: string): Promise<OpenedStore> {
  if (url.startsWith("grpc+")) {
    return openStoreFromFlags({
      "blob-service-addr": url,
      "directory-service-addr": url,
      "path-info-service-addr": url,
    });
  }
  if (url.startsWith("/")) {
    const { localStoreUrls } = await import("@tvix-ts/store");
    const u = localStoreUrls(url.replace(/\/+$/, ""));
    return openStoreFromFlags({
      "blob-service-addr": u.blob,
      "directory-service-addr": u.directory,
      "path-info-service-addr": u.pathinfo,
    });
  }
  throw new UsageError(`unsupported store URL '${url}'`);
}

function progress(io: CommandIO, enabled: boolean) {
  const line = progressLine(io, enabled);
  return {
    update(p: import("@tvix-ts/store").CopyProgress) {
      const what = p.current ? ` ${p.current}` : "";
      line.show(`copying ${p.done}/${p.total} paths, ${mib(p.narBytes)}${what}`);
    },
    end: line.end,
  };
}

export const storeCopy: Command = {
  path: ["store", "copy"],
  summary: "copy closures between stores and from binary caches",
  help,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...serviceOptions,
      from: { type: "string" },
      to: { type: "string" },
      frankenbuild: { type: "string" },
      "no-progress": { type: "boolean" },
    });
    if (!values.from) throw new UsageError("--from is required");
    if (positionals.length === 0) throw new UsageError("expected at least one STOREPATH");
    const mode = values.frankenbuild ?? "strict";
    if (mode !== "strict" && mode !== "warn" && mode !== "off") {
      throw new UsageError("--frankenbuild must be strict, warn or off");
    }
    const paths = [];
    for (const p of positionals) {
      const { storePath, components } = await parseStoreArg(p);
      if (components.length > 0) throw new UsageError(`'${p}' is not a store path`);
      paths.push(storePath);
    }
    const [store, { CastoreError }, { parseVerifyingKey }] = await Promise.all([
      import("@tvix-ts/store"),
      import("@tvix-ts/castore"),
      import("@tvix-ts/nix-compat"),
    ]);
    const to =
      values.to === undefined ? await openStoreFromFlags(values) : await openTvixStore(values.to);
    const bar = progress(io, !values["no-progress"]);
    const opened: OpenedStore[] = [to];
    try {
      let copied: import("@tvix-ts/store").PathInfo[];
      const from = values.from;
      if (/^(nix\+)?https?:\/\//.test(from)) {
        const u = new URL(from.replace(/^nix\+/, ""));
        const keys = u.searchParams.getAll("trusted-public-keys").flatMap((k) => k.split(/\s+/));
        for (const k of u.searchParams.keys()) {
          if (k !== "trusted-public-keys")
            throw new UsageError(`unknown parameter '${k}' in --from`);
        }
        u.search = "";
        let publicKeys: ReturnType<typeof parseVerifyingKey>[];
        try {
          publicKeys = keys.filter(Boolean).map((k) => parseVerifyingKey(k));
        } catch (e) {
          throw new UserError(`invalid trusted-public-keys: ${(e as Error).message}`);
        }
        const cache = new store.NixHttpPathInfoService({
          baseUrl: u.toString(),
          publicKeys,
          blobService: to.blobService,
          directoryService: to.directoryService,
          local: to.pathInfoService,
          frankenbuild: mode,
          warn: (m) => io.stderr.write(`warning: ${m}\n`),
        });
        copied = await store.copyFromCache(cache, to, paths, { onProgress: bar.update });
      } else {
        const src = await openTvixStore(from);
        opened.push(src);
        copied = await store.copyClosure(src, to, paths, { onProgress: bar.update });
      }
      bar.end();
      for (const info of copied) await writeAll(io.stdout, `${info.storePath.toAbsolutePath()}\n`);
    } catch (e) {
      bar.end();
      if (e instanceof CastoreError) throw new UserError(e.message);
      throw e;
    } finally {
      for (const s of opened) await s.close();
    }
    return 0;
  },
};

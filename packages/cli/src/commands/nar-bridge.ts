import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";
import { serviceHelp, serviceOptions, withStore } from "./store-common.ts";

const help = `Usage: tvix nar-bridge [--listen-address HOST:PORT] [options]

Serves the store as a Nix HTTP binary cache: Nix can substitute from it
(substituters = http://HOST:PORT) and upload to it ('nix copy --to
http://HOST:PORT PATHS', any compression). Uploads are verified before they
become visible. Runs until SIGINT or SIGTERM, then lets requests in flight
finish (up to 10 s).

Options:
  --listen-address HOST:PORT   where to listen (default 127.0.0.1:9000)
  --priority N                 Priority in nix-cache-info (default 39)
  --signing-key-file FILE      sign served narinfos with this Nix secret key
                               (from nix-store --generate-binary-cache-key)
  --nar-compression zstd|none  compress served NARs (default none)
  -h, --help                   show this help

${serviceHelp}
Exit codes: 0 stopped by a signal, 1 bad configuration or cannot listen,
2 usage error.
`;

export const narBridge: Command = {
  path: ["nar-bridge"],
  summary: "serve the store as a Nix HTTP binary cache",
  help,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...serviceOptions,
      "listen-address": { type: "string" },
      priority: { type: "string" },
      "signing-key-file": { type: "string" },
      "nar-compression": { type: "string" },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const listen = values["listen-address"] ?? "127.0.0.1:9000";
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(listen);
    if (!m || Number(m[2]) > 65535) throw new UsageError(`invalid listen address '${listen}'`);
    const priority = values.priority === undefined ? 39 : Number(values.priority);
    if (!Number.isSafeInteger(priority) || priority < 0) throw new UsageError("invalid --priority");
    const compression = values["nar-compression"] ?? "none";
    if (compression !== "none" && compression !== "zstd") {
      throw new UsageError("--nar-compression must be zstd or none");
    }
    const [{ startNarBridge }, { parseSigningKey }, { readFile }] = await Promise.all([
      import("@tvix-ts/store"),
      import("@tvix-ts/nix-compat"),
      import("node:fs/promises"),
    ]);
    let signingKey: ReturnType<typeof parseSigningKey> | undefined;
    if (values["signing-key-file"] !== undefined) {
      try {
        signingKey = parseSigningKey(await readFile(values["signing-key-file"], "utf8"));
      } catch (e) {
        throw new UserError(`cannot use signing key: ${(e as Error).message}`);
      }
    }
    const log = (line: string) => io.stderr.write(`tvix nar-bridge: ${line}\n`);
    await withStore(values, async (store) => {
      const server = await startNarBridge({
        blobService: store.blobService,
        directoryService: store.directoryService,
        pathInfoService: store.pathInfoService,
        priority,
        signingKey,
        narCompression: compression,
        host: m[1]!.replace(/^\[(.*)\]$/, "$1"),
        port: Number(m[2]),
      }).catch((e: NodeJS.ErrnoException) => {
        throw new UserError(`cannot listen on ${listen}: ${e.code ?? e.message}`);
      });
      log(`listening on http://${server.address}`);
      const signal = await new Promise<string>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      });
      log(`${signal}: finishing requests in flight, then stopping`);
      await server.close(10_000);
      log("stopped");
    });
    return 0;
  },
};

import type { Command, CommandIO } from "../command.ts";
import { parseCommandArgs, writeAll } from "../command.ts";
import { UsageError, UserError } from "../errors.ts";

const dumpHelp = `Usage: tvix nar dump PATH

Writes the NAR (Nix archive) serialisation of PATH to standard output,
byte-for-byte what 'nix-store --dump PATH' writes. PATH may be a regular file,
a symlink (not followed) or a directory; directory entries are sorted bytewise
and a file is executable in the NAR when its owner may execute it.

Options:
  -h, --help   show this help

Exit codes: 0 success, 1 PATH missing, unreadable or of an unsupported type
(socket, FIFO, device), 2 usage error.
`;

const hashHelp = `Usage: tvix nar hash PATH... [--type ALGO] [--base16|--base32|--base64|--sri] [--flat]

Prints the hash of the NAR serialisation of each PATH, one per line.
Without an encoding flag the hash is printed in SRI form, like
'nix hash path' (e.g. sha256-A+f2O+MLBl14vPYV9Uc1Rf2062mqQW9DSVtOBc37gEA=);
--base16 and --base32 print the same digits as 'nix-hash --type ALGO [--base32] PATH'.

Options:
  --type ALGO   md5, sha1, sha256 (default) or sha512
  --base16      lowercase hexadecimal
  --base32      Nix's base-32 encoding
  --base64      base64 (padded)
  --sri         ALGO-<base64> (the default)
  --flat        hash the contents of the regular file PATH instead of its NAR
                (like 'nix-hash --flat'); symlinks are followed
  -h, --help    show this help

Exit codes: 0 success, 1 PATH missing or unreadable, 2 usage error.
`;

const lsHelp = `Usage: tvix nar ls FILE.nar [--sorted-keys]

Reads a NAR (use - for standard input), validates it completely and prints its
listing: the JSON that binary caches store as <hash>.ls, exactly as Nix 2.8
writes it ({"version":1,"root":...}, no trailing newline). Every regular file
carries "narOffset", the offset of its first content byte in the NAR.

Options:
  --sorted-keys   write keys sorted, as current Nix and Hydra do
  -h, --help      show this help

Exit codes: 0 success, 1 unreadable or invalid NAR, 2 usage error.
`;

const unpackHelp = `Usage: tvix nar unpack FILE.nar DIR

Unpacks a NAR (use - for standard input) into DIR, like 'nix-store --restore'.
DIR must not exist. The archive is fully validated while it is unpacked; the
result appears at DIR only when everything succeeded, otherwise nothing is left
behind. Executable files get execute permission for everyone (like Nix).

Options:
  -h, --help   show this help

Exit codes: 0 success, 1 invalid NAR, DIR exists or cannot be written,
2 usage error.
`;

/**
 * Writes a chunk and waits until the stream has taken it (its write callback), so the caller
 * may reuse the buffer. Returns false when the reader went away (EPIPE): output simply ends.
 */
function writeChunk(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<boolean> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => {
      if (!err) resolve(true);
      else if ((err as NodeJS.ErrnoException).code === "EPIPE") resolve(false);
      else reject(err);
    });
  });
}

async function* stdinChunks(): AsyncGenerator<Uint8Array> {
  for await (const c of process.stdin) yield c as Buffer;
}

/**
 * The chunks of FILE (or standard input for `-`), as a NAR source. File chunks reuse one buffer:
 * the NAR reader is done with a chunk (and the consumers here with its contents) before it asks
 * for the next, so memory stays flat however large the NAR is.
 */
async function openNarInput(file: string): Promise<AsyncIterable<Uint8Array>> {
  if (file === "-") return stdinChunks();
  const { open } = await import("node:fs/promises");
  try {
    const h = await open(file, "r");
    return (async function* () {
      const buf = Buffer.allocUnsafeSlow(1024 * 1024);
      try {
        for (;;) {
          const { bytesRead } = await h.read(buf, 0, buf.length, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await h.close();
      }
    })();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "No such file or directory" : err.message;
    throw new UserError(`cannot open '${file}': ${why}`);
  }
}

/** NAR errors become one-line user errors (exit 1). */
async function narErrorsAsUser<T>(what: string, f: () => Promise<T>): Promise<T> {
  const { NarError } = await import("@tvix-ts/nix-compat");
  try {
    return await f();
  } catch (e) {
    if (e instanceof NarError) throw new UserError(`${what}: ${e.message}`);
    throw e;
  }
}

export const narDump: Command = {
  path: ["nar", "dump"],
  summary: "write the NAR of a path (like nix-store --dump)",
  help: dumpHelp,
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {});
    if (positionals.length !== 1) throw new UsageError("expected exactly one PATH");
    const [{ fsNarNode }, { writeNar }] = await Promise.all([
      import("../fs-nar.ts"),
      import("@tvix-ts/nix-compat"),
    ]);
    const root = fsNarNode(positionals[0]!);
    await narErrorsAsUser(`cannot dump '${positionals[0]}'`, async () => {
      // Buffers are reused, so each chunk must be written out before the next is made.
      for await (const chunk of writeNar(root, { chunkSize: 1024 * 1024, reuseBuffers: true }))
        if (!(await writeChunk(io.stdout, chunk))) return;
    });
    return 0;
  },
};

type Encoding = "base16" | "nixbase32" | "base64" | "sri";

function parseHashArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    type: { type: "string" },
    base16: { type: "boolean" },
    base32: { type: "boolean" },
    base64: { type: "boolean" },
    sri: { type: "boolean" },
    flat: { type: "boolean" },
  });
  const algo = values.type ?? "sha256";
  if (!["md5", "sha1", "sha256", "sha512"].includes(algo))
    throw new UsageError(`unknown hash algorithm '${algo}' (expected md5, sha1, sha256 or sha512)`);
  const encs: Encoding[] = [];
  if (values.base16) encs.push("base16");
  if (values.base32) encs.push("nixbase32");
  if (values.base64) encs.push("base64");
  if (values.sri) encs.push("sri");
  if (encs.length > 1)
    throw new UsageError("give at most one of --base16, --base32, --base64, --sri");
  if (positionals.length === 0) throw new UsageError("expected at least one PATH");
  return {
    algo: algo as "md5" | "sha1" | "sha256" | "sha512",
    encoding: encs[0] ?? "sri",
    flat: values.flat === true,
    paths: positionals,
  };
}

export const narHash: Command = {
  path: ["nar", "hash"],
  summary: "hash the NAR of a path (like nix hash path / nix-hash)",
  help: hashHelp,
  async run(argv, io: CommandIO) {
    const { algo, encoding, flat, paths } = parseHashArgs(argv);
    // Start the hashing worker before loading the rest, so that it boots meanwhile.
    const { ParallelHasher } = await import("../parallel-hash.ts");
    let hasher: import("../parallel-hash.ts").ParallelHasher | undefined = new ParallelHasher(
      [algo],
      { eager: true },
    );
    const [{ hashPathFlat, hashPathNar }, nc] = await Promise.all([
      import("../hash-stream.ts"),
      import("@tvix-ts/nix-compat"),
    ]);
    for (const path of paths) {
      const h = hasher ?? new ParallelHasher([algo]);
      hasher = undefined;
      const digest = await narErrorsAsUser(`cannot hash '${path}'`, () =>
        flat ? hashPathFlat(path, algo, h) : hashPathNar(path, algo, h),
      );
      await writeAll(io.stdout, `${new nc.NixHash(algo, digest).format(encoding)}\n`);
    }
    return 0;
  },
};

export const narLs: Command = {
  path: ["nar", "ls"],
  summary: "print the listing (.ls JSON) of a NAR file",
  help: lsHelp,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { "sorted-keys": { type: "boolean" } });
    if (positionals.length !== 1) throw new UsageError("expected exactly one FILE.nar");
    const nc = await import("@tvix-ts/nix-compat");
    const file = positionals[0]!;
    const listing = await narErrorsAsUser(`'${file}' is not a valid NAR`, async () =>
      nc.listNar(await openNarInput(file)),
    );
    const style = values["sorted-keys"] ? "sorted" : "nix-2.8";
    await writeAll(io.stdout, nc.serializeListing(listing, { style }));
    return 0;
  },
};

export const narUnpack: Command = {
  path: ["nar", "unpack"],
  summary: "unpack a NAR file into a new directory (like nix-store --restore)",
  help: unpackHelp,
  async run(argv) {
    const { positionals } = parseCommandArgs(argv, {});
    if (positionals.length !== 2) throw new UsageError("expected FILE.nar and DIR");
    const [file, dir] = positionals as [string, string];
    const { unpackNar } = await import("../fs-nar.ts");
    await narErrorsAsUser(`cannot unpack '${file}'`, async () =>
      unpackNar(await openNarInput(file), dir),
    );
    return 0;
  },
};

export const narCommands: readonly Command[] = [narDump, narHash, narLs, narUnpack];

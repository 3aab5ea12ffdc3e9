import type { ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";

/** Where a command writes; tests pass their own. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  /** Words after `tvix`, e.g. `["nar", "dump"]`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  run(argv: string[], io: CommandIO): Promise<number | undefined>;
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

/** `node:util` parseArgs with errors turned into usage errors and `--help` handled by the caller. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    // Looked up here: importing node:util would load parts of Node that `tvix eval` never uses.
    const { parseArgs } = process.getBuiltinModule("node:util");
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Writes all of `data` to a stream, waiting for it to drain (so large outputs do not pile up). */
export function writeAll(stream: NodeJS.WritableStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(data, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else {
      const onDrain = () => {
        stream.off("error", onError);
        resolve();
      };
      const onError = (err: Error) => {
        stream.off("drain", onDrain);
        reject(err);
      };
      stream.once("drain", onDrain);
      stream.once("error", onError);
    }
  });
}

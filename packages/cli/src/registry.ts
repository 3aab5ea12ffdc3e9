import type { Command } from "./command.ts";
import { derivationShow } from "./commands/derivation.ts";
import { evalCommand } from "./commands/eval.ts";
import { instantiateCommand } from "./commands/instantiate.ts";
import { narCommands } from "./commands/nar.ts";
import { narBridge } from "./commands/nar-bridge.ts";
import { storeCopy } from "./commands/store-copy.ts";
import { storeDaemon } from "./commands/store-daemon.ts";
import { storeImport } from "./commands/store-import.ts";
import { storeCat, storeInfo, storeLs } from "./commands/store-inspect.ts";

/**
 * Every `tvix` subcommand. Commands are small modules; heavy dependencies are imported inside
 * `run` so that `tvix --help` and quick commands start fast.
 */
export const commands: readonly Command[] = [
  evalCommand,
  instantiateCommand,
  derivationShow,
  ...narCommands,
  storeImport,
  storeLs,
  storeCat,
  storeInfo,
  storeCopy,
  narBridge,
  storeDaemon,
];

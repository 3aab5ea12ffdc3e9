import type { Command } from "./command.ts";

/**
 * Every `tvix` subcommand. Commands are small modules; heavy dependencies are imported inside
 * `run` so that `tvix --help` and quick commands start fast.
 */
export const commands: readonly Command[] = [];

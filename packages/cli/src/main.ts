import type { Command, CommandIO } from "./command.ts";
import { UsageError, UserError } from "./errors.ts";
import { commands } from "./registry.ts";

const VERSION = "0.1.0";

function topHelp(): string {
  const lines = commands.map((c) => `  tvix ${c.path.join(" ").padEnd(22)} ${c.summary}`);
  return `tvix ${VERSION} - the modular Nix, in TypeScript

Usage: tvix <command> [options]

Commands:
${lines.join("\n")}

Run 'tvix <command> --help' for the options of a command.
Exit codes: 0 success, 1 error, 2 usage error.
`;
}

function groupHelp(prefix: string[]): string {
  const lines = commands
    .filter((c) => prefix.every((w, i) => c.path[i] === w))
    .map((c) => `  tvix ${c.path.join(" ").padEnd(22)} ${c.summary}`);
  return `Usage: tvix ${prefix.join(" ")} <command> [options]\n\nCommands:\n${lines.join("\n")}\n`;
}

function findCommand(argv: string[]): { command?: Command; rest: string[]; prefix: string[] } {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length))
      best = c;
  }
  if (best) return { command: best, rest: argv.slice(best.path.length), prefix: [...best.path] };
  const prefix: string[] = [];
  for (const w of argv) {
    if (!commands.some((c) => [...prefix, w].every((p, i) => c.path[i] === p))) break;
    prefix.push(w);
  }
  return { rest: argv.slice(prefix.length), prefix };
}

/** Runs `tvix` with these arguments and returns the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      io.stdout.write(topHelp());
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === "--version") {
      io.stdout.write(`tvix ${VERSION}\n`);
      return 0;
    }
    const { command, rest, prefix } = findCommand(argv);
    if (!command) {
      if (prefix.length > 0) {
        if (rest.length === 0 || rest[0] === "--help" || rest[0] === "-h") {
          io.stdout.write(groupHelp(prefix));
          return rest.length === 0 ? 2 : 0;
        }
        throw new UsageError(`unknown command 'tvix ${prefix.join(" ")} ${rest[0]}'`);
      }
      throw new UsageError(`unknown command '${argv[0]}'`);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(command.help);
      return 0;
    }
    return (await command.run(rest, io)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`tvix: ${e.message}\nTry 'tvix --help' for more information.\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`error: ${msg.split("\n")[0]}\n`);
    if (!(e instanceof UserError) && process.env.TVIX_DEBUG)
      io.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

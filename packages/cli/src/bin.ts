#!/usr/bin/env node
import { main } from "./main.ts";

// EPIPE (e.g. `tvix nar dump x | head`) is a normal end of output, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});

#!/usr/bin/env node
import { enableCompileCache } from "./compile-cache.ts";

// Node's compile cache keeps the type-stripped and compiled modules loaded from here on (this
// file is stripped before it can run), so later starts skip most of that work.
enableCompileCache();

const { main } = await import("./main.ts");

// EPIPE (e.g. `tvix nar dump x | head`) is a normal end of output, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});

#!/usr/bin/env node
// The installed `tvix` command. Every command runs from the precompiled bundle built by
// scripts/bundle.ts (node_modules/.cache/tvix-cli) when it exists and no source file that went
// into it has changed since; otherwise from the TypeScript sources (src/bin.ts). Plain
// JavaScript, so that this file itself needs no type stripping.
// TVIX_NO_BUNDLE=1 forces the sources; TVIX_BUNDLE=1 uses an existing bundle without the
// freshness check (bench/eval.ts, which builds it first, while others edit the sources).
// Not `import ... from "node:fs"`: an ES import of node:fs reads all its exports, which loads
// Node's streams (~5 ms) before anything needs them.
// Older Nodes cannot run the sources (TypeScript) or parts of the bundle (zstd, node:sqlite).
const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 24) {
  process.stderr.write(
    `error: tvix needs Node.js 24 or newer (this is ${process.version}); \`npm install\` in the tvix-ts checkout puts one in node_modules/.bin\n`,
  );
  process.exit(1);
}
const { readFileSync, statSync, writeSync } = process.getBuiltinModule("node:fs");

const root = new URL("../../../", import.meta.url);
const bundleDir = new URL("node_modules/.cache/tvix-cli/", root);
const rootPath = decodeURIComponent(root.pathname);

function freshBundle() {
  if (process.env.TVIX_NO_BUNDLE) return false;
  try {
    const manifest = JSON.parse(readFileSync(new URL("manifest.json", bundleDir), "utf8"));
    if (process.env.TVIX_BUNDLE === "1") return true;
    for (const input of manifest.inputs) {
      if (statSync(rootPath + input).mtimeMs > manifest.builtMs) return false;
    }
    return manifest.inputs.length > 0;
  } catch {
    return false;
  }
}

const argv = process.argv.slice(2);
/**
 * Blocking writes to a file descriptor, for `tvix eval`'s output: `process.stdout` would load
 * Node's streams (~5 ms of start-up) to write one result. A closed pipe ends the process
 * quietly, as `tvix eval | head` should; a non-blocking descriptor is retried.
 */
function fdWriter(fd) {
  return {
    write(data, callback) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      for (let done = 0; done < bytes.length; ) {
        try {
          done += writeSync(fd, bytes, done);
        } catch (e) {
          if (e.code === "EPIPE") process.exit(0);
          if (e.code !== "EAGAIN") throw e;
        }
      }
      callback?.();
      return true;
    },
  };
}

if (freshBundle()) {
  // Node's on-disk compile cache (as src/bin.ts turns on for the sources): later starts load
  // the chunks' compiled code instead of compiling them again, 5-15 ms less per command.
  try {
    process.getBuiltinModule("node:module").enableCompileCache?.();
  } catch {}
  const { main } = await import(new URL("main.js", bundleDir).href);
  if (argv[0] === "eval") {
    process.exitCode = await main(argv, { stdout: fdWriter(1), stderr: fdWriter(2) });
  } else {
    // Other commands stream their output (NARs, listings) through process.stdout; a closed
    // pipe (`tvix nar dump x | head`) is a normal end there too.
    process.stdout.on("error", (e) => {
      if (e.code === "EPIPE") process.exit(0);
      throw e;
    });
    process.exitCode = await main(argv, { stdout: process.stdout, stderr: process.stderr });
  }
} else {
  await import("../src/bin.ts");
}

#!/usr/bin/env node
// The installed `tvix` command. `tvix eval` runs from the precompiled bundle built by
// scripts/bundle.ts (node_modules/.cache/tvix-cli) when it exists and no source file that went
// into it has changed since; otherwise, and for every other command, from the TypeScript
// sources (src/bin.ts). Plain JavaScript, so that this file itself needs no type stripping.
// TVIX_NO_BUNDLE=1 forces the sources; TVIX_BUNDLE=1 uses an existing bundle without the
// freshness check (bench/eval.ts, which builds it first, while others edit the sources).
import { readFileSync, statSync } from "node:fs";

const root = new URL("../../../", import.meta.url);
const bundleDir = new URL("node_modules/.cache/tvix-cli/", root);

function freshBundle() {
  if (process.env.TVIX_NO_BUNDLE) return false;
  try {
    const manifest = JSON.parse(readFileSync(new URL("manifest.json", bundleDir), "utf8"));
    if (process.env.TVIX_BUNDLE === "1") return true;
    for (const input of manifest.inputs) {
      if (statSync(new URL(input, root)).mtimeMs > manifest.builtMs) return false;
    }
    return manifest.inputs.length > 0;
  } catch {
    return false;
  }
}

const argv = process.argv.slice(2);
if (argv[0] === "eval" && freshBundle()) {
  process.stdout.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const { main } = await import(new URL("main.js", bundleDir).href);
  process.exitCode = await main(argv, { stdout: process.stdout, stderr: process.stderr });
} else {
  await import("../src/bin.ts");
}

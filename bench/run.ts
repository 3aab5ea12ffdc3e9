/**
 * `npm run bench`: runs every benchmark module in this directory (each exports `run()` and prints
 * its own table of medians and ratios against Nix, the oracle). Pass names to run only some:
 * `npm run bench -- nar parse`.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const modules = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

if (modules.length === 0) {
  console.error(`no benchmarks match ${only.join(", ")}`);
  process.exit(2);
}

for (const name of modules) {
  console.log(`\n=== bench/${name}.ts ===`);
  const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
    run?: () => Promise<unknown>;
  };
  if (typeof mod.run !== "function") {
    console.log(`(skipped: bench/${name}.ts exports no run())`);
    continue;
  }
  await mod.run();
}

/**
 * Precompiled build of the `tvix` command (DESIGN.md §6): bundles packages/cli/src/main.ts and
 * the eval worker with esbuild into plain ES modules (shared code split into chunks, loaded on
 * demand) under node_modules/.cache/tvix-cli/, with a manifest of the source files that went in.
 * The launcher packages/cli/bin/tvix.js runs `tvix eval` from the bundle when it exists and no
 * source file is newer than it, so a start-up pays neither type stripping nor the loading of
 * ~120 modules; other commands, and everything when the bundle is stale, run from the sources.
 *
 *   node scripts/bundle.ts          (npm run bundle; also run by `npm install`/`npm ci`)
 *
 * A missing esbuild (or any build failure) only warns: the sources always work.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the launcher looks for the bundle. */
export const BUNDLE_DIR = join(repoRoot, "node_modules", ".cache", "tvix-cli");

/**
 * Node's built-in modules as `process.getBuiltinModule(...)` objects rather than ES imports:
 * an ES import of a built-in reads every export of it once to build the module namespace, and
 * for `node:fs` or `node:crypto` that runs lazy getters which load streams or WebCrypto (~5 ms
 * of start-up for nothing). As CommonJS, esbuild reads only the properties that are used.
 * Dynamic imports stay real imports (a CommonJS chunk would offer only `default` to them).
 */
const builtinsByGetter = {
  name: "node-builtins-by-getter",
  setup(build: import("esbuild").PluginBuild) {
    build.onResolve({ filter: /^node:/ }, (a) =>
      a.kind === "dynamic-import"
        ? { path: a.path, external: true }
        : { path: a.path, namespace: "node-builtin" },
    );
    build.onLoad({ filter: /.*/, namespace: "node-builtin" }, (a) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(a.path)});`,
      loader: "js",
    }));
  },
};

/**
 * The worker threads' modules, each an entry point of its own: a worker starts from a file, and
 * in the bundle that file is `<name>.js` beside every chunk.
 */
const WORKERS: Record<string, string> = {
  "eval-worker": "packages/cli/src/eval-worker.ts",
  "host-worker": "packages/cli/src/host-worker.ts",
  "instantiate-worker": "packages/cli/src/instantiate-worker.ts",
  "source-nar-worker": "packages/cli/src/source-nar-worker.ts",
  "chunk-worker": "packages/castore/src/blob/chunk-worker.ts",
  "chunk-store-worker": "packages/castore/src/blob/chunk-store-worker.ts",
  "hash-worker": "packages/castore/src/blob/hash-worker.ts",
};

/** `new URL("<relative path>.ts", import.meta.url)`: how the sources name a worker's module. */
const WORKER_URL = /new URL\(\s*"(\.{1,2}\/[^"]+\.ts)",\s*import\.meta\.url\s*\)/g;

/**
 * Points the sources' worker URLs at the workers' bundled files. The sources name a worker by
 * its path relative to the module that starts it; the bundle is one flat directory, so each
 * becomes `./<name>.js`. A `.ts` URL that is not one of WORKERS fails the build, instead of a
 * bundle that fails when that worker starts.
 */
const workerUrls = {
  name: "worker-urls",
  setup(build: import("esbuild").PluginBuild) {
    const names = new Map(Object.entries(WORKERS).map(([n, p]) => [join(repoRoot, p), n]));
    build.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, (a) => {
      const source = readFileSync(a.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const errors: { text: string }[] = [];
      const contents = source.replace(WORKER_URL, (whole, rel: string) => {
        const name = names.get(resolve(dirname(a.path), rel));
        if (name !== undefined) return `new URL("./${name}.js", import.meta.url)`;
        errors.push({ text: `${relative(repoRoot, a.path)}: ${rel} is not a bundled worker` });
        return whole;
      });
      return { contents, loader: "ts", errors };
    });
  },
};

/** Builds the bundle into `outRoot` (replaced atomically); returns it. */
export async function bundle(outRoot: string = BUNDLE_DIR): Promise<string> {
  const esbuild = await import("esbuild");
  const started = Date.now();
  const tmp = `${outRoot}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: { main: "packages/cli/src/main.ts", ...WORKERS },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    conditions: ["node"],
    outdir: tmp,
    chunkNames: "chunk-[hash]",
    metafile: true,
    logLevel: "warning",
    minifyWhitespace: true,
    minifySyntax: true,
    // Native addons stay outside (resolved from the repository's node_modules at run time).
    external: ["@napi-rs/*"],
    plugins: [builtinsByGetter, workerUrls],
    // Bundled CommonJS dependencies may require Node's built-in modules.
    banner: {
      js: 'import { createRequire as __tvixCreateRequire } from "node:module"; const require = __tvixCreateRequire(import.meta.url);',
    },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith("node_modules/") && !p.startsWith("node-builtin:"))
    .sort();
  writeFileSync(
    join(tmp, "manifest.json"),
    `${JSON.stringify({ builtMs: started, root: relative(tmp, repoRoot), inputs }, null, 1)}\n`,
  );
  // Marks the chunks as ES modules right here, so that Node does not look for the nearest
  // package.json above every chunk it loads.
  writeFileSync(join(tmp, "package.json"), '{ "type": "module" }\n');
  rmSync(outRoot, { recursive: true, force: true });
  renameSync(tmp, outRoot);
  return outRoot;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const dir = await bundle();
    console.log(`tvix bundle: ${relative(process.cwd(), dir) || "."}`);
  } catch (e) {
    console.warn(
      `tvix bundle: not built (${(e as Error).message.split("\n")[0]}); tvix runs from the sources`,
    );
  }
}

/**
 * The eval conformance runner: every `eval-okay-*`/`eval-fail-*` case under
 * ../shared/conformance/eval ({tvix,nix}_tests and their notyetpassing/), evaluated strictly as
 * `nix-instantiate --eval --strict` with TEST_VAR=foo, HOME=/fake-home,
 * NIX_PATH=<nix_tests>/dir3:<nix_tests>/dir4 and the case's `.flags`, compared with `.exp`
 * (trailing whitespace trimmed) or `.exp.xml` (exactly, via toXML).
 *
 * The evaluator's own `derivation` (derivationStrict computes paths without a store) is used;
 * TVIX_MOCK_DERIVATION=1 registers Tvix's test-only mock instead (argument plus fixed
 * `outPath`/`drvPath`/`type`).
 *
 * Run directly for a report: `node packages/eval/test/support/conformance.ts [SUBSTRING]`.
 * The working directory is passed to the evaluator (workers cannot chdir).
 * Evaluation needs a large stack: the test runs this module in a worker (see conformance.test.ts).
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { NodeEvalIO } from "../../../cli/src/eval-io.ts";
import {
  type EvalIO,
  instantiateEval,
  NixAttrs,
  NixError,
  PrimOp,
  parseEntry,
  renderEvalError,
  runtime,
  type Slot,
  updateAttrs,
} from "../../src/index.ts";

export interface CaseResult {
  name: string;
  kind: "okay" | "fail";
  passed: boolean;
  detail: string;
}

const MOCK_OUT = "/nix/store/00000000000000000000000000000000-mock";

function mockDerivation(): Map<string, Slot> {
  const op = new PrimOp("derivation", 1, (a: Slot) => {
    const set = runtime.forceAttrs(a);
    return updateAttrs(
      set,
      NixAttrs.fromEntries([
        ["outPath", MOCK_OUT],
        ["drvPath", `${MOCK_OUT}.drv`],
        ["type", "derivation"],
      ]),
    );
  });
  return new Map([["derivation", op]]);
}

function testIO(): EvalIO {
  const io = new NodeEvalIO(() => {});
  const getEnv = io.getEnv.bind(io);
  io.getEnv = (name: string) =>
    name === "TEST_VAR" ? "foo" : name === "HOME" ? "/fake-home" : getEnv(name);
  return io;
}

function splitFlags(s: string): string[] {
  return s.trim().split(/\s+/).filter(Boolean);
}

export function runCase(dir: string, file: string, root: string): CaseResult {
  const name = join(dir, file).slice(root.length + 1);
  const kind = file.startsWith("eval-okay-") ? "okay" : "fail";
  const base = join(dir, file.slice(0, -4));
  const nixTests = join(root, "nix_tests");
  const flagsFile = `${base}.flags`;
  const flags = existsSync(flagsFile)
    ? splitFlags(readFileSync(flagsFile, "utf8")).map((f) =>
        f
          .replace(/^(dir\d=)?lang\//, `$1${nixTests}/`)
          .replace(/^import\(nix_tests\//, `import(${nixTests}/`),
      )
    : [];
  const include: string[] = [];
  const args: { name: string; kind: "expr" | "str"; value: string }[] = [];
  const attrPaths: string[] = [];
  const features: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === "-I") include.push(flags[++i]);
    else if (flags[i] === "--arg") {
      args.push({ name: flags[i + 1], kind: "expr", value: flags[i + 2] });
      i += 2;
    } else if (flags[i] === "--argstr") {
      args.push({ name: flags[i + 1], kind: "str", value: flags[i + 2] });
      i += 2;
    } else if (flags[i] === "-A") attrPaths.push(flags[++i]);
    else if (flags[i] === "--extra-experimental-features" || flags[i] === "--experimental-features")
      features.push(...flags[++i].split(/\s+/));
  }
  const xmlFile = `${base}.exp.xml`;
  const xml = existsSync(xmlFile);
  let out: string;
  try {
    out = instantiateEval({
      io: testIO(),
      file: join(dir, file),
      cwd: dir,
      home: "/fake-home",
      strict: true,
      xml,
      location: false,
      args,
      attrPaths,
      experimentalFeatures: features,
      searchPath: [
        ...include.map((e) => parseEntry(e, dir)),
        parseEntry(`${nixTests}/dir3`, dir),
        parseEntry(`${nixTests}/dir4`, dir),
      ],
      extraBuiltins: process.env.TVIX_MOCK_DERIVATION === "1" ? mockDerivation() : undefined,
    });
  } catch (e) {
    let msg: string;
    if (e instanceof NixError) msg = renderEvalError(e);
    else if (e instanceof RangeError) msg = `stack overflow: ${e.message}`;
    else throw e;
    return { name, kind, passed: kind === "fail", detail: msg.split("\n").slice(0, 12).join("\n") };
  }
  if (kind === "fail") return { name, kind, passed: false, detail: `unexpected success: ${out}` };
  const expected = xml
    ? readFileSync(xmlFile, "latin1")
    : existsSync(`${base}.exp`)
      ? readFileSync(`${base}.exp`, "latin1")
      : null;
  if (expected === null) return { name, kind, passed: false, detail: "no .exp file" };
  // CppNix's lang.sh shows the test directory as /pwd/lang.
  if (name.startsWith("nix_tests/")) out = out.split(dir).join("/pwd/lang");
  const got = xml ? out : out.trimEnd();
  const want = xml ? expected : expected.trimEnd();
  return {
    name,
    kind,
    passed: got === want,
    detail: got === want ? "" : `expected: ${want.slice(0, 2000)}\n     got: ${got.slice(0, 2000)}`,
  };
}

/**
 * A working copy of the conformance tree in a temporary directory, with the symbolic links the
 * upstream suites have (tvix_tests/observable-eval-cache2.nix, nix_tests/readDir/{ldir,linked})
 * restored: ../shared holds them as Git writes links where it cannot make them, as small
 * regular files whose whole content (no final newline) is the link target. Such a file, naming
 * an existing path beside it, becomes that link again; nothing else changes. Returns the copy's
 * root; the caller removes it.
 */
export function materializeFixtures(root: string): string {
  const copy = mkdtempSync(join(tmpdir(), "tvix-conformance-"));
  cpSync(root, copy, { recursive: true });
  const walk = (dir: string) => {
    chmodSync(dir, 0o755); // the copy of a read-only tree must be writable and removable
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size < 256) {
        const text = readFileSync(p, "latin1");
        if (text === "" || /[\n\0]/.test(text) || text.startsWith("/")) continue;
        if (!existsSync(join(dir, text))) continue;
        rmSync(p);
        symlinkSync(text, p);
      }
    }
  };
  walk(copy);
  return copy;
}

export function listCases(root: string): { dir: string; file: string }[] {
  const out: { dir: string; file: string }[] = [];
  for (const suite of ["tvix_tests", "nix_tests"]) {
    for (const sub of ["", "notyetpassing"]) {
      const dir = join(root, suite, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort())
        if (/^eval-(okay|fail)-.*\.nix$/.test(f)) out.push({ dir, file: f });
    }
  }
  return out;
}

export function runAll(root: string, filter = ""): CaseResult[] {
  const results: CaseResult[] = [];
  for (const { dir, file } of listCases(root)) {
    if (filter && !join(dir, file).includes(filter)) continue;
    try {
      results.push(runCase(dir, file, root));
    } catch (e) {
      results.push({
        name: join(dir, file).slice(root.length + 1),
        kind: file.startsWith("eval-okay-") ? "okay" : "fail",
        passed: false,
        detail: `internal error: ${(e as Error)?.stack ?? e}`,
      });
    }
  }
  return results;
}

if (!isMainThread && parentPort && (workerData as { conformanceRoot?: string })?.conformanceRoot) {
  parentPort.postMessage(runAll((workerData as { conformanceRoot: string }).conformanceRoot));
} else if (isMainThread && process.argv[1]?.endsWith("conformance.ts")) {
  const root = process.env.TVIX_SHARED
    ? join(process.env.TVIX_SHARED, "conformance/eval")
    : join(import.meta.dirname, "../../../../../shared/conformance/eval");
  const { Worker } = await import("node:worker_threads");
  const w = new Worker(new URL(import.meta.url), {
    workerData: { conformanceRoot: root, filter: process.argv[2] ?? "" },
    resourceLimits: { stackSizeMb: 256 },
  });
  w.on("message", (results: CaseResult[]) => {
    const filter = process.argv[2] ?? "";
    const shown = results.filter((r) => !filter || r.name.includes(filter));
    for (const r of shown) if (!r.passed) console.log(`FAIL ${r.name}\n${r.detail}\n`);
    const okay = shown.filter((r) => r.kind === "okay");
    const fail = shown.filter((r) => r.kind === "fail");
    console.log(
      `eval-okay: ${okay.filter((r) => r.passed).length}/${okay.length}, eval-fail: ${fail.filter((r) => r.passed).length}/${fail.length}`,
    );
  });
}

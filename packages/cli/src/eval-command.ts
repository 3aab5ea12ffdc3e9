/**
 * `tvix eval` (without --parse): argument handling as `nix-instantiate --eval`, and the thread
 * that evaluates. Nix code recurses deeply (a package set's dependency chain is thousands of
 * calls deep), so the evaluating thread needs a large stack. The installed `tvix` launcher
 * (bin/tvix) raises the stack limit and starts Node with a large `--stack-size`, as CppNix
 * raises its own; then the evaluation runs right here on the main thread, and the store host
 * is a worker started only if the evaluation needs the store. Without that (Node started
 * directly), the evaluation runs in a worker with a large stack, the store host here.
 */
import { readFileSync } from "node:fs";
import type { CommandIO } from "./command.ts";
import { writeAll } from "./command.ts";
import { UsageError } from "./errors.ts";
import type { EvalJob, EvalResult } from "./eval-job.ts";

/** Stack for the evaluation thread (virtual memory; only what is used is committed). */
const STACK_MB = 512;
/** The main thread evaluates if Node was started with at least this stack (`--stack-size`). */
const MAIN_STACK_MIN_MB = 256;
/**
 * Young-generation (nursery) size of the evaluation thread. 32 MiB: package sets (fixpoint.nix)
 * keep most of what they allocate, and a larger nursery promotes less short-lived garbage and
 * scans deep evaluation stacks less often; 16 MiB used about as much memory there and more CPU,
 * while the default (growing to 64 MiB and beyond) costs 15-25 MB more on the other benchmarks.
 */
const YOUNG_MB = 32;

interface Parsed {
  file: string | null;
  expr: string | null;
  strict: boolean;
  json: boolean;
  raw: boolean;
  xml: boolean;
  attrPaths: string[];
  args: { name: string; kind: "expr" | "str"; value: string }[];
  include: string[];
  features: string[];
  maxCallDepth: number | undefined;
  location: boolean;
  traceVerbose: boolean;
  abortOnWarn: boolean;
}

function callDepthArg(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw new UsageError(`invalid max-call-depth '${s}'`);
  return Number(s);
}

function parse(argv: string[]): Parsed {
  const p: Parsed = {
    file: null,
    expr: null,
    strict: false,
    json: false,
    raw: false,
    xml: false,
    attrPaths: [],
    args: [],
    include: [],
    features: [],
    maxCallDepth: undefined,
    location: true,
    traceVerbose: false,
    abortOnWarn: false,
  };
  const files: string[] = [];
  let exprMode = false;
  const need = (i: number, n: number, flag: string) => {
    if (i + n >= argv.length)
      throw new UsageError(`flag '${flag}' requires ${n === 1 ? "an argument" : `${n} arguments`}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "--strict":
        p.strict = true;
        break;
      case "--json":
        p.json = true;
        break;
      case "--raw":
        p.raw = true;
        break;
      case "--xml":
        p.xml = true;
        break;
      case "--no-location":
        p.location = false;
        break;
      case "--eval":
        break;
      case "-E":
      case "--expr":
        exprMode = true;
        break;
      case "-A":
      case "--attr":
        need(i, 1, a);
        p.attrPaths.push(argv[++i]);
        break;
      case "--arg":
        need(i, 2, a);
        p.args.push({ name: argv[i + 1], kind: "expr", value: argv[i + 2] });
        i += 2;
        break;
      case "--argstr":
        need(i, 2, a);
        p.args.push({ name: argv[i + 1], kind: "str", value: argv[i + 2] });
        i += 2;
        break;
      case "--extra-experimental-features":
      case "--experimental-features":
        need(i, 1, a);
        p.features.push(...argv[++i].split(/\s+/).filter(Boolean));
        break;
      case "--trace-verbose":
        p.traceVerbose = true;
        break;
      case "--abort-on-warn":
        p.abortOnWarn = true;
        break;
      case "--max-call-depth":
        need(i, 1, a);
        p.maxCallDepth = callDepthArg(argv[++i]);
        break;
      case "--option":
        need(i, 2, a);
        if (
          argv[i + 1] === "extra-experimental-features" ||
          argv[i + 1] === "experimental-features"
        )
          p.features.push(...argv[i + 2].split(/\s+/).filter(Boolean));
        else if (argv[i + 1] === "max-call-depth") p.maxCallDepth = callDepthArg(argv[i + 2]);
        else if (argv[i + 1] === "trace-verbose") p.traceVerbose = argv[i + 2] === "true";
        else if (argv[i + 1] === "abort-on-warn") p.abortOnWarn = argv[i + 2] === "true";
        i += 2;
        break;
      case "-I":
      case "--include":
        need(i, 1, a);
        p.include.push(argv[++i]);
        break;
      default:
        if (a.startsWith("-I") && a.length > 2) p.include.push(a.slice(2));
        else if (a.startsWith("-") && a !== "-") throw new UsageError(`unrecognised flag '${a}'`);
        else files.push(a);
    }
  }
  if (exprMode) {
    if (files.length !== 1) throw new UsageError("-E needs exactly one expression");
    p.expr = files[0];
  } else {
    if (files.length > 1) throw new UsageError("give at most one FILE");
    p.file = files[0] ?? null;
  }
  return p;
}

/** The V8 stack size of this (main) thread in MiB, if Node was started with `--stack-size`. */
function mainStackMb(): number {
  let kb = 0;
  for (const a of process.execArgv) {
    const m = /^--stack[-_]size=(\d+)$/.exec(a);
    if (m) kb = Number(m[1]);
  }
  return kb / 1024;
}

export async function runEval(argv: string[], io: CommandIO): Promise<number> {
  const p = parse(argv);
  const job = evalJob(p);
  const result = await (mainStackMb() >= MAIN_STACK_MIN_MB
    ? runHere(job, io)
    : runInWorker(job, io));
  if (result.stderr) io.stderr.write(Buffer.from(result.stderr, "latin1"));
  if (result.stdout) await writeAll(io.stdout, Buffer.from(result.stdout, "latin1"));
  return result.status;
}

function evalJob(p: Parsed): EvalJob {
  const latin1 = (s: string) => Buffer.from(s, "utf8").toString("latin1");
  const cwd = latin1(process.cwd());
  return {
    options: {
      file: p.file === null ? null : latin1(p.file),
      expr: p.expr,
      stdin: p.file === "-" ? readFileSync(0) : undefined,
      cwd,
      home: process.env.HOME === undefined ? undefined : latin1(process.env.HOME),
      strict: p.strict,
      json: p.json,
      raw: p.raw,
      xml: p.xml,
      location: p.location,
      attrPaths: p.attrPaths,
      args: p.args,
      storeDir: process.env.NIX_STORE_DIR ?? "/nix/store",
      experimentalFeatures: p.features,
      maxCallDepth: p.maxCallDepth,
      traceVerbose: p.traceVerbose,
      abortOnWarn: p.abortOnWarn,
    },
    include: p.include.map(latin1),
    nixPath: latin1(process.env.NIX_PATH ?? ""),
  };
}

/** Evaluates on this thread; the store (in memory, DESIGN.md §2) in a worker if it is needed. */
async function runHere(job: EvalJob, io: CommandIO): Promise<EvalResult> {
  const [{ startOnUseLink }, { enableCompileCache }] = await Promise.all([
    import("@tvix-ts/glue/link"),
    import("./compile-cache.ts"),
  ]);
  const storeDir = job.options.storeDir ?? "/nix/store";
  const link = startOnUseLink(false, (port, flag) => {
    // Looked up only now: node:worker_threads costs start-up that a plain evaluation can skip.
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const worker = new Worker(new URL("./host-worker.ts", import.meta.url), {
      workerData: { port, flag, storeDir },
      transferList: [port],
    });
    worker.unref();
    return worker;
  });
  job.glue = link.init;
  enableCompileCache();
  const { runJob } = await import("./eval-job.ts");
  try {
    return runJob(job, (data) => io.stderr.write(Buffer.from(data, "latin1")));
  } finally {
    await link.close();
  }
}

async function runInWorker(job: EvalJob, io: CommandIO): Promise<EvalResult> {
  const { Worker } = await import("node:worker_threads");
  // The store (in memory, DESIGN.md §2) is loaded only if the evaluation asks for it.
  const { lazyHostLink } = await import("@tvix-ts/glue/link");
  const link = lazyHostLink(false, async () => {
    const { GlueHost, memoryStore } = await import("@tvix-ts/glue/host");
    return new GlueHost(memoryStore(), job.options.storeDir);
  });
  job.glue = link.init;
  // Closed however this ends: an open port would keep the process alive.
  try {
    const worker = new Worker(new URL("./eval-worker.ts", import.meta.url), {
      workerData: job,
      transferList: link.transferList,
      resourceLimits: {
        stackSizeMb: STACK_MB,
        maxYoungGenerationSizeMb: Number(process.env.TVIX_YOUNG_MB || YOUNG_MB),
      },
      stdout: false,
      stderr: false,
    });
    const result = await new Promise<EvalResult>((resolve, reject) => {
      const done = (stderr: string): EvalResult => ({
        kind: "done",
        stdout: "",
        status: 1,
        stderr,
      });
      worker.on("message", (m: { kind: string; data?: string } | EvalResult) => {
        if (m.kind === "stderr")
          io.stderr.write(Buffer.from((m as { data: string }).data, "latin1"));
        else resolve(m as EvalResult);
      });
      worker.on("error", (e) => {
        if (e instanceof RangeError || /stack|heap|memory/i.test(String(e)))
          resolve(done(`error: ${(e as Error).message}\n`));
        else reject(e);
      });
      worker.on("exit", (code) => {
        if (code !== 0) resolve(done(`error: evaluation thread exited with code ${code}\n`));
      });
    });
    void worker.terminate();
    return result;
  } finally {
    await link.close();
  }
}

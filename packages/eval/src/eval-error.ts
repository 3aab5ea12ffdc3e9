/**
 * Evaluation errors. They are plain objects (not JS `Error`s, whose stack capture would make
 * `tryEval`-heavy code slow). `catchable` follows CppNix: `throw`, failed `assert` and failed
 * `<…>` lookups can be caught by `builtins.tryEval`; everything else ends evaluation.
 *
 * Each error has a primary position and a trace of `… while …` frames (innermost first), added
 * as the error propagates; `renderEvalError` prints them the way current CppNix does, with
 * consecutive duplicates collapsed and very long traces elided.
 */
import { utf8ToByteString } from "./bytes.ts";
import type { Source } from "./source.ts";

const ELLIPSIS = utf8ToByteString("…");

import type { Pos } from "./values.ts";

export interface TraceFrame {
  readonly message: string;
  readonly pos: Pos | null;
}

export class NixError {
  /** The message (a byte string), without the `error: ` prefix. */
  message: string;
  readonly catchable: boolean;
  pos: Pos | null;
  readonly frames: TraceFrame[];
  /** Set for errors that must not be cached by thunks (stack overflow). */
  readonly transient: boolean;
  constructor(message: string, pos: Pos | null = null, catchable = false, transient = false) {
    this.message = message;
    this.pos = pos;
    this.catchable = catchable;
    this.frames = [];
    this.transient = transient;
  }

  /**
   * Set on errors raised without a position of their own (infinite recursion): they take the
   * position of the first trace frame, the expression that forced the value, as CppNix reports.
   */
  posFromTrace = false;

  /** Adds a trace frame (at most a bounded number are kept). */
  addTrace(message: string, pos: Pos | null): this {
    if (this.posFromTrace && this.pos === null && pos !== null) {
      this.pos = pos;
      this.posFromTrace = false;
    }
    const f = this.frames;
    if (f.length < MAX_FRAMES) {
      const last = f[f.length - 1];
      if (!(last && last.message === message && samePos(last.pos, pos))) f.push({ message, pos });
    } else this.elided++;
    return this;
  }

  /** The first position known: the error's own, or the innermost frame's. */
  elided = 0;

  toString(): string {
    return `error: ${this.message}`;
  }
}

const MAX_FRAMES = 64;

function samePos(a: Pos | null, b: Pos | null): boolean {
  if (a === b) return true;
  return a !== null && b !== null && a.source === b.source && a.offset === b.offset;
}

export function isNixError(e: unknown): e is NixError {
  return e instanceof NixError;
}

/** CppNix's catchable errors: `throw`, `assert`, search path misses. */
export function throwCatchable(message: string, pos: Pos | null = null): never {
  throw new NixError(message, pos, true);
}

export function throwEval(message: string, pos: Pos | null = null): never {
  throw new NixError(message, pos, false);
}

const INDENT = "       ";

function codeFrame(source: Source, offset: number, indent: string): string {
  const p = source.position(offset);
  let out = `${indent}at ${source.nameBytes}:${p.line}:${p.column}:\n`;
  const width = 6;
  const gutter = (n: number) => `${INDENT}${String(n).padStart(width, " ")}| `;
  const line = (n: number) => `${`${gutter(n)}${source.lineText(n)}`.replace(/[ \t]+$/, "")}\n`;
  if (p.line > 1) out += line(p.line - 1);
  out += line(p.line);
  out += `${INDENT}${" ".repeat(width)}| ${" ".repeat(p.column - 1)}^\n`;
  if (p.line < source.lineCount) out += line(p.line + 1);
  return out;
}

/**
 * Renders an error as current CppNix does (with `--show-trace`-like frames, deduplicated):
 *
 *     error:
 *            … while calling 'f'
 *              at «string»:1:5:
 *                   1| let f = x: throw "no"; in f 1
 *                    |     ^
 *
 *            error: no
 *
 * A byte string.
 */
export function renderEvalError(e: NixError): string {
  let out = "error:";
  const frames = e.frames;
  // Outermost first, as CppNix prints them. A frame already printed is skipped; a run of more
  // than a few skipped frames is summarised (and then frames may be printed again, so that
  // mutual recursion still shows its alternation).
  const seen = new Set<string>();
  let skipped: TraceFrame[] = [];
  const printFrame = (f: TraceFrame) => {
    out += `\n${INDENT}${ELLIPSIS} ${f.message}`;
    if (f.pos)
      out += `\n${codeFrame(f.pos.source, f.pos.offset, `${INDENT}  `).replace(/\n$/, "")}`;
    out += "\n";
  };
  const flushSkipped = () => {
    if (skipped.length === 0) return;
    if (skipped.length <= 5) for (const f of skipped) printFrame(f);
    else {
      out += `\n${INDENT}(${skipped.length} duplicate frames omitted)\n`;
      seen.clear();
    }
    skipped = [];
  };
  // Only the innermost frames are kept: the elided ones are outside them.
  if (e.elided > 0) out += `\n${INDENT}(${e.elided} outer frames elided)\n`;
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    const key = frameKey(f);
    if (seen.has(key)) {
      skipped.push(f);
      continue;
    }
    flushSkipped();
    seen.add(key);
    printFrame(f);
  }
  flushSkipped();
  const msg = e.message.replace(/\n/g, `\n${INDENT}`);
  if (frames.length === 0) {
    out = `error: ${msg}`;
    if (e.pos) out += `\n${codeFrame(e.pos.source, e.pos.offset, INDENT).replace(/\n$/, "")}`;
    return `${out}\n`;
  }
  out += `\n${INDENT}error: ${msg}`;
  if (e.pos) out += `\n${codeFrame(e.pos.source, e.pos.offset, INDENT).replace(/\n$/, "")}`;
  return `${out}\n`;
}

function frameKey(f: TraceFrame): string {
  return f.pos ? `${f.pos.source.name}\0${f.pos.offset}\0${f.message}` : `\0\0${f.message}`;
}

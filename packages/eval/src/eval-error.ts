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

  /** Adds a trace frame (at most a bounded number are kept). */
  addTrace(message: string, pos: Pos | null): this {
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
  // Outermost first, as CppNix prints them.
  let repeats = 0;
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    const prev = frames[i + 1];
    if (prev && prev.message === f.message && samePos(prev.pos, f.pos)) {
      repeats++;
      continue;
    }
    if (repeats > 0) {
      out += `\n\n${INDENT}(${repeats} duplicate frames omitted)`;
      repeats = 0;
    }
    out += `\n${INDENT}${ELLIPSIS} ${f.message}`;
    if (f.pos)
      out += `\n${codeFrame(f.pos.source, f.pos.offset, `${INDENT}  `).replace(/\n$/, "")}`;
    out += "\n";
  }
  if (e.elided > 0) out += `\n${INDENT}(${e.elided} frames elided)\n`;
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

/**
 * CppNix's regular expressions for `builtins.match` and `builtins.split`: POSIX extended syntax
 * as parsed by libstdc++'s `std::regex::extended`, matched with libstdc++'s backtracking
 * semantics (see regex-compile.ts and regex-exec.ts for the details and the oracle evidence).
 *
 * Strings are latin1 byte strings (one JS code unit per byte, 0..255); every offset, length and
 * character class is about bytes, and bytes >= 0x80 are ordinary single characters that belong
 * to no `[:class:]`.
 *
 * This module does not know the evaluator's values: it returns plain strings, nulls and arrays.
 */
import { compileProgram, type Program } from "./regex-compile.ts";
import { RegexError } from "./regex-error.ts";
import { DEFAULT_LIMITS, type ExecLimits, Executor, type RawMatch } from "./regex-exec.ts";

export { RegexError, type RegexErrorKind } from "./regex-error.ts";
export { DEFAULT_LIMITS, type ExecLimits } from "./regex-exec.ts";

/** A compiled regular expression. */
export interface Regex {
  /** The source pattern (latin1 byte string). */
  readonly pattern: string;
  /** Number of parenthesised groups (not counting the whole match). */
  readonly groups: number;
  readonly program: Program;
}

/** One match found by `searchAll`: byte offsets of the whole match, and each group's text. */
export interface SearchMatch {
  readonly start: number;
  readonly end: number;
  /** Group 1..n: the captured bytes, or null when the group did not participate. */
  readonly groups: (string | null)[];
}

/** One element of `builtins.split`'s result: a non-matching piece or a match's groups. */
export type SplitPiece = string | (string | null)[];

/**
 * Compiled patterns, like CppNix's per-evaluator regex cache. Bounded so that a program
 * generating endless distinct patterns cannot grow it without limit; CppNix's is unbounded,
 * which only differs in memory use.
 */
const CACHE_MAX = 2048;
const cache = new Map<string, Regex>();

function assertBytes(s: string, what: string): void {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) throw new TypeError(`regex: ${what} is not a latin1 byte string`);
  }
}

/**
 * Compiles `pattern`, or throws a RegexError: kind "invalid" ("invalid regular expression
 * '<re>'") or "space" ("memory limit exceeded by regular expression '<re>'").
 */
export function compile(pattern: string): Regex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  assertBytes(pattern, "pattern");
  const program = compileProgram(pattern);
  const re: Regex = { pattern, groups: program.groupCount - 1, program };
  if (cache.size >= CACHE_MAX) {
    // Drop the oldest entry (Map iterates in insertion order).
    const first = cache.keys().next();
    if (!first.done) cache.delete(first.value);
  }
  cache.set(pattern, re);
  return re;
}

function groupsOf(m: RawMatch, s: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (let g = 1; g < m.starts.length; g++) {
    out.push(m.starts[g] < 0 ? null : s.slice(m.starts[g], m.ends[g]));
  }
  return out;
}

/**
 * `builtins.match`: the whole of `s` must match. Returns the groups (null for groups that did
 * not participate) or null when there is no match. Throws RegexError "too-complex" when the
 * work budget is exhausted.
 */
export function matchWhole(
  re: Regex,
  s: string,
  limits: ExecLimits = DEFAULT_LIMITS,
): (string | null)[] | null {
  assertBytes(s, "subject");
  const m = new Executor(re.program, s, true, limits).matchWhole();
  return m ? groupsOf(m, s) : null;
}

/**
 * All matches `builtins.split` sees, in order: libstdc++'s `regex_iterator` over `s`. After an
 * empty match it first retries at the same position refusing empty matches, and only then
 * moves one byte on; `^` only matches at offset 0.
 */
export function searchAll(
  re: Regex,
  s: string,
  limits: ExecLimits = DEFAULT_LIMITS,
): SearchMatch[] {
  assertBytes(s, "subject");
  const ex = new Executor(re.program, s, false, limits);
  const out: SearchMatch[] = [];
  const record = (m: RawMatch) => {
    out.push({ start: m.starts[0], end: m.ends[0], groups: groupsOf(m, s) });
  };
  let prevAvail = false;
  let m = ex.search(0, false, false, false);
  while (m) {
    record(m);
    let from = m.ends[0];
    if (m.starts[0] === m.ends[0]) {
      if (from === s.length) break;
      const again = ex.search(from, prevAvail, true, true);
      if (again) {
        m = again;
        continue;
      }
      from++;
    }
    prevAvail = true;
    m = ex.search(from, true, false, false);
  }
  return out;
}

/**
 * `builtins.split`: the pieces between matches alternating with each match's groups, starting
 * and ending with a piece; `[s]` when nothing matches.
 */
export function splitString(
  re: Regex,
  s: string,
  limits: ExecLimits = DEFAULT_LIMITS,
): SplitPiece[] {
  const matches = searchAll(re, s, limits);
  if (matches.length === 0) return [s];
  const out: SplitPiece[] = [];
  let last = 0;
  for (const m of matches) {
    out.push(s.slice(last, m.start), m.groups);
    last = m.end;
  }
  out.push(s.slice(last));
  return out;
}

/** Drops every cached compiled pattern (for tests and memory pressure). */
export function clearRegexCache(): void {
  cache.clear();
}

export function isRegexError(e: unknown): e is RegexError {
  return e instanceof RegexError;
}

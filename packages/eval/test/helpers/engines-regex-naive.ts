/**
 * A deliberately naive reference executor for tests: plain recursive backtracking over the
 * compiled NFA with a global "has solution" flag, the longest-so-far end, the current captures
 * and per-repeat (position, count) guards, i.e. the libstdc++ DFS algorithm as documented in
 * regex-exec.ts, without memoisation. It is exponential, so it counts its steps and gives up
 * (returns "too-costly") past a budget. Tests use it to cross-check the memoised executor and
 * to keep only cases that Nix itself (which runs this exponential algorithm) evaluates fast.
 */
import {
  OP_ACCEPT,
  OP_ALT,
  OP_GROUP_BEGIN,
  OP_GROUP_END,
  OP_LINE_BEGIN,
  OP_LINE_END,
  OP_MATCH,
  OP_REPEAT,
  type Program,
} from "../../src/builtins/engines/regex-compile.ts";

export type NaiveResult = { starts: number[]; ends: number[] } | null | "too-costly";

class TooCostly {}

export function naiveRun(
  prog: Program,
  input: string,
  exact: boolean,
  begin: number,
  bol: boolean,
  notNull: boolean,
  budget: { steps: number },
): { starts: number[]; ends: number[] } | null {
  const g = prog.groupCount;
  const curS = new Array<number>(g).fill(-1);
  const curE = new Array<number>(g).fill(-1);
  const curM = new Array<boolean>(g).fill(false);
  let best: { starts: number[]; ends: number[] } | null = null;
  let solPos = -1;
  let hasSol = false;
  const repPos = new Array<number>(prog.size).fill(-1);
  const repCnt = new Array<number>(prog.size).fill(0);
  const n = input.length;

  const dfs = (s: number, pos: number): void => {
    if (--budget.steps < 0) throw new TooCostly();
    switch (prog.op[s]) {
      case OP_ACCEPT: {
        hasSol = exact ? pos === n : true;
        if (notNull && pos === begin) hasSol = false;
        if (hasSol && (solPos < 0 || solPos < pos)) {
          solPos = pos;
          best = {
            starts: curS.map((x, i) => (curM[i] ? x : -1)),
            ends: curE.map((x, i) => (curM[i] ? x : -1)),
          };
        }
        return;
      }
      case OP_MATCH:
        if (pos < n && prog.matchers[prog.arg[s]][input.charCodeAt(pos)])
          dfs(prog.next[s], pos + 1);
        return;
      case OP_ALT: {
        dfs(prog.alt[s], pos);
        const h = hasSol;
        hasSol = false;
        dfs(prog.next[s], pos);
        hasSol = hasSol || h;
        return;
      }
      case OP_REPEAT: {
        if (repCnt[s] === 0 || repPos[s] !== pos) {
          const bp = repPos[s];
          const bc = repCnt[s];
          repPos[s] = pos;
          repCnt[s] = 1;
          dfs(prog.alt[s], pos);
          repPos[s] = bp;
          repCnt[s] = bc;
        } else if (repCnt[s] < 2) {
          repCnt[s]++;
          dfs(prog.alt[s], pos);
          repCnt[s]--;
        }
        if (!hasSol) dfs(prog.next[s], pos);
        return;
      }
      case OP_GROUP_BEGIN: {
        const k = prog.arg[s];
        const b = curS[k];
        curS[k] = pos;
        dfs(prog.next[s], pos);
        curS[k] = b;
        return;
      }
      case OP_GROUP_END: {
        const k = prog.arg[s];
        const b = curE[k];
        const m = curM[k];
        curE[k] = pos;
        curM[k] = true;
        dfs(prog.next[s], pos);
        curE[k] = b;
        curM[k] = m;
        return;
      }
      case OP_LINE_BEGIN:
        if (pos === begin && bol) dfs(prog.next[s], pos);
        return;
      case OP_LINE_END:
        if (pos === n) dfs(prog.next[s], pos);
        return;
      default:
        throw new Error("naive: bad opcode");
    }
  };
  dfs(0, begin);
  return hasSol ? best : null;
}

/** Whole-string match, or "too-costly" when the budget runs out. */
export function naiveMatch(prog: Program, input: string, steps = 200000): NaiveResult {
  try {
    return naiveRun(prog, input, true, 0, true, false, { steps });
  } catch (e) {
    if (e instanceof TooCostly) return "too-costly";
    throw e;
  }
}

/** The regex_iterator loop of `builtins.split`, naively; "too-costly" past the budget. */
export function naiveSearchAll(
  prog: Program,
  input: string,
  steps = 200000,
): { starts: number[]; ends: number[] }[] | "too-costly" {
  const budget = { steps };
  const search = (from: number, prevAvail: boolean, notNull: boolean, continuous: boolean) => {
    const first = naiveRun(prog, input, false, from, !prevAvail, notNull, budget);
    if (first || continuous) return first;
    for (let b = from + 1; b <= input.length; b++) {
      const m = naiveRun(prog, input, false, b, false, notNull, budget);
      if (m) return m;
    }
    return null;
  };
  try {
    const out: { starts: number[]; ends: number[] }[] = [];
    let prevAvail = false;
    let m = search(0, false, false, false);
    while (m) {
      out.push(m);
      let from = m.ends[0];
      if (m.starts[0] === from) {
        if (from === input.length) break;
        const again = search(from, prevAvail, true, true);
        if (again) {
          m = again;
          continue;
        }
        from++;
      }
      prevAvail = true;
      m = search(from, true, false, false);
    }
    return out;
  } catch (e) {
    if (e instanceof TooCostly) return "too-costly";
    throw e;
  }
}

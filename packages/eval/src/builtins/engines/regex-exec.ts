/**
 * Executes a compiled program with the semantics of libstdc++'s depth-first ("DFS") executor
 * in POSIX mode, which is what CppNix's `regex_match`/`regex_search` run. That executor is a
 * backtracker that explores alternatives in order and keeps the first path reaching the
 * longest end, but it is not POSIX leftmost-longest:
 *
 * - alternation `L|R`: both sides are explored; R's result replaces L's only when it ends
 *   strictly later (so ties go to the left side, and sub-matches come from that path);
 * - a greedy repeat first tries one more iteration; if that iteration leads to *any* accepted
 *   end (even a shorter one), exiting the loop at this point is never tried. Hence
 *   `split "a?(ab)?" "ab"` matches just "a" (oracle), where POSIX would take "ab";
 * - a repeat's body may be entered at most twice at the same input position along one path
 *   (libstdc++'s guard against empty loops), which decides captures such as
 *   `match "(a*)+" "aa"` = [""] (oracle);
 * - captures are whatever the accepted path last wrote: groups are never reset between
 *   iterations, so `match "((a)|b)+" "ab"` = ["b" "a"] (oracle);
 * - `regex_match` accepts only at the end of the input, so it returns the first such path in
 *   exploration order (leftmost-first, like a Perl backtracker, for the whole string).
 *
 * libstdc++ does this by plain recursion, which is exponential on patterns like `(a|a)*b` and
 * overflows the stack on long inputs. The outcome of exploring state `s` at position `p` only
 * depends on `s`, `p` and the repeat counters that can still matter there, so we memoise it:
 * the result is (did any accept happen, the best end, the captures written on the best path),
 * with captures kept as a shared linked list. Exploration uses an explicit stack, and a step
 * budget turns pathological cases into a RegexError instead of a hang.
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
} from "./regex-compile.ts";
import { RegexError } from "./regex-error.ts";

/** Work budget for one `matchWhole`/`searchAll` call. */
export interface ExecLimits {
  /** Exploration steps (each a state visited at a position without a memo hit). */
  readonly maxSteps: number;
  /** Memoised results held at once. */
  readonly maxMemo: number;
}

export const DEFAULT_LIMITS: ExecLimits = { maxSteps: 50_000_000, maxMemo: 8_000_000 };

/** A capture write on the accepted path: slot 2g = start of group g, 2g+1 = its end. */
interface Caps {
  readonly slot: number;
  readonly pos: number;
  readonly next: Caps | null;
}

/** An accepted path: where it ended and the captures it wrote (in path order). */
interface Hit {
  readonly end: number;
  readonly caps: Caps | null;
}

/** null: no accept was reached (libstdc++'s `_M_has_sol` stays false). */
type Res = Hit | null;

/** Repeat counters at the current position: flat [state, count, state, count...], sorted. */
type Counts = readonly number[];
const NO_COUNTS: Counts = [];

/** Raw result of one successful search or match: offsets of each group, -1 when unmatched. */
export interface RawMatch {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** Facts about a program that only depend on its graph, computed once per program. */
interface Analysis {
  /** States reached along more than one edge: only revisits through them can repeat work. */
  join: Uint8Array;
  /** Can an accept be reached without consuming input (assertions assumed to pass)? */
  canBeEmpty: boolean;
  /** Bytes that can be consumed first (when the match is not empty). */
  first: Uint8Array;
  /** Lazily computed epsilon-reachable repeat sets (see Executor.epsRepeats). */
  eps: Map<number, ReadonlySet<number>>;
}

const analyses = new WeakMap<Program, Analysis>();

function analyse(prog: Program): Analysis {
  let a = analyses.get(prog);
  if (a) return a;
  const { op, next, alt, matchers } = prog;
  const indeg = new Uint8Array(prog.size);
  const seen = new Uint8Array(prog.size);
  const work = [0];
  seen[0] = 1;
  indeg[0] = 1; // the root counts as one incoming edge
  while (work.length > 0) {
    const s = work.pop()!;
    const o = op[s];
    if (o === OP_ACCEPT) continue;
    const succ = o === OP_ALT || o === OP_REPEAT ? [alt[s], next[s]] : [next[s]];
    for (const t of succ) {
      if (t < 0) continue;
      if (indeg[t] < 2) indeg[t]++;
      if (!seen[t]) {
        seen[t] = 1;
        work.push(t);
      }
    }
  }
  const join = new Uint8Array(prog.size);
  for (let s = 0; s < prog.size; s++) join[s] = indeg[s] >= 2 ? 1 : 0;
  // Epsilon closure of the start: which bytes can begin a match, and can it be empty.
  const first = new Uint8Array(256);
  let canBeEmpty = false;
  const vis = new Uint8Array(prog.size);
  const todo = [0];
  vis[0] = 1;
  while (todo.length > 0) {
    const s = todo.pop()!;
    const o = op[s];
    if (o === OP_ACCEPT) {
      canBeEmpty = true;
      continue;
    }
    if (o === OP_MATCH) {
      const t = matchers[prog.arg[s]];
      for (let b = 0; b < 256; b++) if (t[b]) first[b] = 1;
      continue;
    }
    const succ = o === OP_ALT || o === OP_REPEAT ? [alt[s], next[s]] : [next[s]];
    for (const t of succ) {
      if (t >= 0 && !vis[t]) {
        vis[t] = 1;
        todo.push(t);
      }
    }
  }
  a = { join, canBeEmpty, first, eps: new Map() };
  analyses.set(prog, a);
  return a;
}

/** Memo cells (position × state) per block. */
const BLOCK_CELLS = 1 << 16;

export class Executor {
  private readonly prog: Program;
  private readonly input: string;
  private readonly n: number;
  private readonly exact: boolean;
  private readonly limits: ExecLimits;
  private readonly an: Analysis;
  private steps = 0;
  private memoSize = 0;

  // Context of the current attempt.
  private begin = 0;
  private bol = false;
  private notNull = false;

  /**
   * Results without live counters in the ordinary context, by (position, state): 0 unknown,
   * 1 no accept, k + 2 = pool[k]. They stay valid across attempts and searches on the same
   * input (only the attempt's start position is treated specially). Stored in blocks of
   * positions so that memory is only spent where exploration went, and blocks wholly before
   * the current attempt (never visited again: exploration only moves forward) are dropped.
   */
  private readonly blockLen: number;
  private readonly blocks: (Int32Array | undefined)[] = [];
  private firstLiveBlock = 0;
  private liveBlocks = 0;
  private pool: Hit[] = [];
  private poolMark = 0;
  /** Results with live repeat counters, by position, then keyed "state|counts". */
  private readonly counted = new Map<number, Map<string, Res>>();
  private countedMark = 0;
  /** Results at `begin` when `^` may match there or an empty match is refused there. */
  private special = new Map<string, Res>();

  private stS = new Int32Array(64);
  private stP = new Int32Array(64);
  private stPh = new Uint8Array(64);
  private readonly stC: Counts[] = [];
  private readonly stL: Res[] = [];

  constructor(prog: Program, input: string, exact: boolean, limits: ExecLimits = DEFAULT_LIMITS) {
    this.prog = prog;
    this.input = input;
    this.n = input.length;
    this.exact = exact;
    this.limits = limits;
    this.an = analyse(prog);
    this.blockLen = Math.max(1, Math.floor(BLOCK_CELLS / prog.size));
  }

  /** `regex_match`: the whole input, or null. */
  matchWhole(): RawMatch | null {
    if (!this.mayStartAt(0)) return null;
    return this.attempt(0, true, false);
  }

  /**
   * `regex_search` from `from`: tries each start position in turn and returns the first
   * that has a match. `prevAvail` (match_prev_avail) stops `^` matching at `from`;
   * `notNull` refuses empty matches; `continuous` tries `from` only.
   */
  search(from: number, prevAvail: boolean, notNull: boolean, continuous: boolean): RawMatch | null {
    const first = this.mayStartAt(from) ? this.attempt(from, !prevAvail, notNull) : null;
    if (first || continuous) return first;
    for (let b = from + 1; b <= this.n; b++) {
      if (!this.mayStartAt(b)) continue;
      const m = this.attempt(b, false, notNull);
      if (m) return m;
    }
    return null;
  }

  /** False when no match can start at `b` (it could not be empty, and the byte cannot begin one). */
  private mayStartAt(b: number): boolean {
    if (this.an.canBeEmpty) return true;
    return b < this.n && this.an.first[this.input.charCodeAt(b)] === 1;
  }

  private attempt(begin: number, bol: boolean, notNull: boolean): RawMatch | null {
    this.begin = begin;
    this.bol = bol;
    this.notNull = notNull;
    if (this.special.size > 0) {
      this.memoSize -= this.special.size;
      this.special = new Map();
    }
    const live = Math.floor(begin / this.blockLen);
    for (; this.firstLiveBlock < live; this.firstLiveBlock++) {
      if (this.blocks[this.firstLiveBlock]) {
        this.blocks[this.firstLiveBlock] = undefined;
        this.liveBlocks--;
        this.memoSize -= (this.blockLen * this.prog.size) >> 2;
      }
    }
    // Amortised: only when the pool doubled since the last compaction.
    if (this.pool.length > 2 * this.poolMark + 4096) this.compactPool();
    if (this.counted.size > 2 * this.countedMark + 1024) {
      for (const [p, m] of this.counted) {
        if (p < begin) {
          this.memoSize -= m.size;
          this.counted.delete(p);
        }
      }
      this.countedMark = this.counted.size;
    }
    const hit = this.run();
    if (!hit) return null;
    const g = this.prog.groupCount;
    const starts = new Int32Array(g).fill(-1);
    const ends = new Int32Array(g).fill(-1);
    const set = new Uint8Array(g);
    for (let c = hit.caps; c; c = c.next) {
      const grp = c.slot >> 1;
      if (c.slot & 1) {
        ends[grp] = c.pos;
        set[grp] = 1;
      } else {
        starts[grp] = c.pos;
      }
    }
    // A group only counts as matched once its end was written (libstdc++'s `matched`).
    for (let i = 0; i < g; i++) {
      if (!set[i]) {
        starts[i] = -1;
        ends[i] = -1;
      }
    }
    return { starts, ends };
  }

  private lookup(s: number, pos: number, counts: Counts): Res | undefined {
    if (pos === this.begin && (this.bol || this.notNull)) {
      return this.special.get(`${s}|${counts.join(",")}`);
    }
    if (counts.length > 0) return this.counted.get(pos)?.get(`${s}|${counts.join(",")}`);
    const blk = this.blocks[Math.floor(pos / this.blockLen)];
    if (blk === undefined) return undefined;
    const v = blk[(pos % this.blockLen) * this.prog.size + s];
    if (v === 0) return undefined;
    return v === 1 ? null : this.pool[v - 2];
  }

  private store(s: number, pos: number, counts: Counts, r: Res): void {
    // Reached along one edge only: it is revisited only via a memoised predecessor.
    if (counts.length === 0 && !this.an.join[s]) return;
    if (pos === this.begin && (this.bol || this.notNull)) {
      this.special.set(`${s}|${counts.join(",")}`, r);
      this.charge(1);
      return;
    }
    if (counts.length > 0) {
      let m = this.counted.get(pos);
      if (!m) {
        m = new Map();
        this.counted.set(pos, m);
      }
      m.set(`${s}|${counts.join(",")}`, r);
      this.charge(1);
      return;
    }
    let v = 1;
    if (r !== null) {
      this.pool.push(r);
      v = this.pool.length + 1;
      this.charge(1);
    }
    const b = Math.floor(pos / this.blockLen);
    let blk = this.blocks[b];
    if (blk === undefined) {
      blk = new Int32Array(this.blockLen * this.prog.size);
      this.blocks[b] = blk;
      this.liveBlocks++;
      // A block costs 4 bytes per cell; count it as a quarter entry per cell.
      this.charge(blk.length >> 2);
    }
    blk[(pos % this.blockLen) * this.prog.size + s] = v;
  }

  private charge(n: number): void {
    this.memoSize += n;
    if (this.memoSize > this.limits.maxMemo) {
      throw new RegexError("too-complex", this.prog.pattern, "memo limit");
    }
  }

  /** Drops pooled results no live block refers to any more (long `split`s). */
  private compactPool(): void {
    const fresh: Hit[] = [];
    const remap = new Map<number, number>();
    for (let b = this.firstLiveBlock; b < this.blocks.length; b++) {
      const blk = this.blocks[b];
      if (!blk) continue;
      for (let i = 0; i < blk.length; i++) {
        const v = blk[i];
        if (v < 2) continue;
        let nv = remap.get(v);
        if (nv === undefined) {
          fresh.push(this.pool[v - 2]);
          nv = fresh.length + 1;
          remap.set(v, nv);
        }
        blk[i] = nv;
      }
    }
    this.pool = fresh;
    this.poolMark = fresh.length;
    let counted = 0;
    for (const m of this.counted.values()) counted += m.size;
    this.memoSize =
      fresh.length +
      counted +
      this.special.size +
      this.liveBlocks * ((this.blockLen * this.prog.size) >> 2);
  }

  /** Counters that can still matter at state `t` (repeats reachable from it without input). */
  private filter(counts: Counts, t: number): Counts {
    if (counts.length === 0) return NO_COUNTS;
    const eps = this.epsRepeats(t);
    if (eps.size === 0) return NO_COUNTS;
    let out: number[] | undefined;
    for (let i = 0; i < counts.length; i += 2) {
      if (eps.has(counts[i])) {
        if (!out) out = [];
        out.push(counts[i], counts[i + 1]);
      }
    }
    return out ?? NO_COUNTS;
  }

  /**
   * The repeat states reachable from `t` without consuming input. Only needed while repeat
   * counters are live, so computed on demand (cached per program); the work is charged to the
   * step budget because a pattern like `(|){50000}` makes these sets large.
   */
  private epsRepeats(t: number): ReadonlySet<number> {
    let cache = this.an.eps;
    const hit = cache.get(t);
    if (hit) return hit;
    const { op, next, alt } = this.prog;
    const found = new Set<number>();
    const seen = new Set<number>([t]);
    const todo = [t];
    while (todo.length > 0) {
      if (++this.steps > this.limits.maxSteps) {
        throw new RegexError("too-complex", this.prog.pattern, "step limit");
      }
      const u = todo.pop()!;
      const o = op[u];
      if (o === OP_MATCH || o === OP_ACCEPT) continue;
      if (o === OP_REPEAT) found.add(u);
      const a = o === OP_ALT || o === OP_REPEAT ? alt[u] : -1;
      for (const v of [next[u], a]) {
        if (v >= 0 && !seen.has(v)) {
          seen.add(v);
          todo.push(v);
        }
      }
    }
    if (cache.size > 100000) {
      cache = new Map();
      this.an.eps = cache;
    }
    cache.set(t, found);
    return found;
  }

  /** Explores from the start state at `begin`; returns the best accepted path, if any. */
  private run(): Res {
    const prog = this.prog;
    const { op, next, alt, arg, matchers } = prog;
    const input = this.input;
    const n = this.n;
    const exact = this.exact;
    const maxSteps = this.limits.maxSteps;
    // The stack, as parallel arrays (kept across attempts): state, position, phase, live
    // counters, and the left alternative's result.
    let stS = this.stS;
    let stP = this.stP;
    let stPh = this.stPh;
    const stC = this.stC;
    const stL = this.stL;
    let sp = 0;
    let ret: Res = null;

    const push = (s: number, pos: number, counts: Counts) => {
      if (sp === stS.length) {
        const cap = stS.length * 2;
        const s2 = new Int32Array(cap);
        s2.set(stS);
        stS = this.stS = s2;
        const p2 = new Int32Array(cap);
        p2.set(stP);
        stP = this.stP = p2;
        const h2 = new Uint8Array(cap);
        h2.set(stPh);
        stPh = this.stPh = h2;
      }
      stS[sp] = s;
      stP[sp] = pos;
      stPh[sp] = 0;
      stC[sp] = counts;
      sp++;
    };

    push(0, this.begin, NO_COUNTS);
    while (sp > 0) {
      const f = sp - 1;
      const s = stS[f];
      const pos = stP[f];
      const o = op[s];
      const phase = stPh[f];
      if (phase === 0) {
        const counts = stC[f];
        const m = this.lookup(s, pos, counts);
        if (m !== undefined) {
          sp--;
          ret = m;
          continue;
        }
        if (++this.steps > maxSteps) {
          throw new RegexError("too-complex", prog.pattern, "step limit");
        }
        switch (o) {
          case OP_MATCH:
            if (pos < n && matchers[arg[s]][input.charCodeAt(pos)] === 1) {
              stPh[f] = 1;
              push(next[s], pos + 1, NO_COUNTS);
            } else {
              this.store(s, pos, counts, null);
              sp--;
              ret = null;
            }
            break;
          case OP_REPEAT: {
            let c = 0;
            for (let i = 0; i < counts.length; i += 2) {
              if (counts[i] === s) {
                c = counts[i + 1];
                break;
              }
            }
            if (c < 2) {
              stPh[f] = 1;
              push(alt[s], pos, this.filter(withCount(counts, s, c + 1), alt[s]));
            } else {
              stPh[f] = 2;
              push(next[s], pos, this.filter(counts, next[s]));
            }
            break;
          }
          case OP_ALT:
            stPh[f] = 1;
            push(alt[s], pos, this.filter(counts, alt[s]));
            break;
          case OP_GROUP_BEGIN:
          case OP_GROUP_END:
            stPh[f] = 1;
            push(next[s], pos, this.filter(counts, next[s]));
            break;
          case OP_ACCEPT: {
            let ok = exact ? pos === n : true;
            if (this.notNull && pos === this.begin) ok = false;
            const r: Res = ok ? { end: pos, caps: null } : null;
            this.store(s, pos, counts, r);
            sp--;
            ret = r;
            break;
          }
          case OP_LINE_BEGIN:
          case OP_LINE_END:
            if (o === OP_LINE_BEGIN ? pos === this.begin && this.bol : pos === n) {
              stPh[f] = 1;
              push(next[s], pos, this.filter(counts, next[s]));
            } else {
              this.store(s, pos, counts, null);
              sp--;
              ret = null;
            }
            break;
          default:
            throw new Error(`regex: unexpected opcode ${o}`);
        }
        continue;
      }
      let r: Res;
      if (phase === 1) {
        if (o === OP_ALT) {
          stL[f] = ret;
          stPh[f] = 2;
          push(next[s], pos, this.filter(stC[f], next[s]));
          continue;
        }
        if (o === OP_REPEAT && ret === null) {
          // The loop body reached no accept: now try leaving the loop here.
          stPh[f] = 2;
          push(next[s], pos, this.filter(stC[f], next[s]));
          continue;
        }
        if ((o === OP_GROUP_BEGIN || o === OP_GROUP_END) && ret !== null) {
          r = {
            end: ret.end,
            caps: { slot: 2 * arg[s] + (o === OP_GROUP_END ? 1 : 0), pos, next: ret.caps },
          };
        } else {
          // Greedy repeat whose body reached an accept, a consumed byte, or an assertion.
          r = ret;
        }
      } else if (o === OP_ALT) {
        const l = stL[f];
        // The right side wins only with a strictly longer match.
        r = l === null ? ret : ret === null ? l : ret.end > l.end ? ret : l;
      } else {
        r = ret;
      }
      this.store(s, pos, stC[f], r);
      sp--;
      ret = r;
    }
    return ret;
  }
}

/** `counts` with repeat `s` set to `c` (kept sorted by state). */
function withCount(counts: Counts, s: number, c: number): Counts {
  const out: number[] = [];
  let placed = false;
  for (let i = 0; i < counts.length; i += 2) {
    if (!placed && counts[i] >= s) {
      out.push(s, c);
      placed = true;
      if (counts[i] === s) continue;
    }
    out.push(counts[i], counts[i + 1]);
  }
  if (!placed) out.push(s, c);
  return out;
}

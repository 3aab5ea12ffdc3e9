/**
 * TOML 1.0's rules for defining tables, applied while the document is parsed.
 *
 * Every table under construction records how it came to exist, because the spec forbids
 * defining a table twice in different ways:
 * - `explicit`: defined by a `[header]`, as an `[[array]]` element, or by dotted keys. A header
 *   naming an explicit table is an error (`[a]` twice, or `a.b = 1` then `[a]`).
 * - `dottedIn`: the scope whose dotted keys created (or claimed) it. Dotted keys may keep
 *   adding to such a table only within that same scope (`a.b = 1` and `a.c = 2` under one
 *   header), never from a later section (`[a.b]` ... `[a]` `b.c = 1` is an error).
 * - tables that only exist as parents of a header (`a` in `[a.b]`) are implicit: a later `[a]`
 *   may still define them, and dotted keys may claim them.
 * - `frozen`: inline tables (and their sub-tables) are complete once written; nothing may add
 *   to them, neither headers nor dotted keys.
 * Arrays written as values are static; only arrays created by `[[header]]` may be appended to
 * and traversed (headers below an array of tables go into its last element).
 */
import type { TomlValue } from "./toml-types.ts";

export class TTable {
  readonly entries = new Map<string, TNode>();
  explicit = false;
  dottedIn = -1;
  frozen = false;
}

export class TArray {
  readonly items: TNode[] = [];
  /** Created by `[[header]]` (appendable), as opposed to a static `[...]` value. */
  readonly ofTables: boolean;
  constructor(ofTables: boolean) {
    this.ofTables = ofTables;
  }
}

/** Leaves are finished values; tables and arrays stay mutable until the document ends. */
export type TNode = TTable | TArray | Exclude<TomlValue, { kind: "table" } | { kind: "array" }>;

/** Thrown by the rules below; the parser attaches the position. */
export class RuleError {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

function dotted(keys: readonly string[], n = keys.length): string {
  return keys.slice(0, n).join(".");
}

/** `keys = value` inside `scope` (the current section's table, or an inline table). */
export function insertKeyValue(
  scope: TTable,
  scopeId: number,
  keys: readonly string[],
  value: TNode,
): void {
  let t = scope;
  for (let k = 0; k < keys.length - 1; k++) {
    const x = t.entries.get(keys[k]);
    if (x === undefined) {
      const nt = new TTable();
      nt.explicit = true;
      nt.dottedIn = scopeId;
      t.entries.set(keys[k], nt);
      t = nt;
      continue;
    }
    if (!(x instanceof TTable)) {
      throw new RuleError(`key '${dotted(keys, k + 1)}' is not a table`);
    }
    if (x.frozen) throw new RuleError(`cannot add to inline table '${dotted(keys, k + 1)}'`);
    if (x.explicit && x.dottedIn !== scopeId) {
      throw new RuleError(`cannot extend table '${dotted(keys, k + 1)}' defined elsewhere`);
    }
    x.explicit = true;
    x.dottedIn = scopeId;
    t = x;
  }
  const last = keys[keys.length - 1];
  if (t.entries.has(last)) throw new RuleError(`duplicate key '${dotted(keys)}'`);
  t.entries.set(last, value);
}

/** Walks the parents of a header, creating implicit tables; returns the table holding the last key. */
function headerParent(root: TTable, keys: readonly string[]): TTable {
  let t = root;
  for (let k = 0; k < keys.length - 1; k++) {
    const x = t.entries.get(keys[k]);
    if (x === undefined) {
      const nt = new TTable();
      t.entries.set(keys[k], nt);
      t = nt;
    } else if (x instanceof TTable) {
      if (x.frozen) throw new RuleError(`cannot add to inline table '${dotted(keys, k + 1)}'`);
      t = x;
    } else if (x instanceof TArray && x.ofTables) {
      t = x.items[x.items.length - 1] as TTable;
    } else {
      throw new RuleError(`key '${dotted(keys, k + 1)}' is not a table`);
    }
  }
  return t;
}

/** `[keys]`: returns the table that the following key/value pairs go into. */
export function defineTable(root: TTable, keys: readonly string[]): TTable {
  const t = headerParent(root, keys);
  const last = keys[keys.length - 1];
  const x = t.entries.get(last);
  if (x === undefined) {
    const nt = new TTable();
    nt.explicit = true;
    t.entries.set(last, nt);
    return nt;
  }
  if (!(x instanceof TTable)) {
    throw new RuleError(
      x instanceof TArray && x.ofTables
        ? `table '${dotted(keys)}' conflicts with an array of tables`
        : `key '${dotted(keys)}' is not a table`,
    );
  }
  if (x.frozen) throw new RuleError(`cannot redefine inline table '${dotted(keys)}'`);
  if (x.explicit) throw new RuleError(`table '${dotted(keys)}' defined twice`);
  x.explicit = true;
  return x;
}

/** `[[keys]]`: appends a new table to the array of tables and returns it. */
export function appendTable(root: TTable, keys: readonly string[]): TTable {
  const t = headerParent(root, keys);
  const last = keys[keys.length - 1];
  let arr = t.entries.get(last);
  if (arr === undefined) {
    arr = new TArray(true);
    t.entries.set(last, arr);
  } else if (!(arr instanceof TArray) || !arr.ofTables) {
    throw new RuleError(`'${dotted(keys)}' is not an array of tables`);
  }
  const nt = new TTable();
  nt.explicit = true;
  arr.items.push(nt);
  return nt;
}

/** Marks an inline table and the tables written inside it as complete. */
export function freeze(t: TTable): void {
  const todo = [t];
  while (todo.length > 0) {
    const x = todo.pop()!;
    x.frozen = true;
    for (const v of x.entries.values()) if (v instanceof TTable) todo.push(v);
  }
}

/**
 * The finished, neutral tree. Iterative, because dotted keys can nest tables arbitrarily deep
 * (`a.a.a.a... = 1`) without any recursion in the parser.
 */
export function finish(n: TNode): TomlValue {
  const convert = (x: TNode, todo: (() => void)[]): TomlValue => {
    if (x instanceof TTable) {
      const entries = new Map<string, TomlValue>();
      todo.push(() => {
        for (const [k, v] of x.entries) entries.set(k, convert(v, todo));
      });
      return { kind: "table", entries };
    }
    if (x instanceof TArray) {
      const items: TomlValue[] = [];
      todo.push(() => {
        for (const v of x.items) items.push(convert(v, todo));
      });
      return { kind: "array", items };
    }
    return x;
  };
  const todo: (() => void)[] = [];
  const out = convert(n, todo);
  while (todo.length > 0) todo.pop()!();
  return out;
}

/**
 * A JSON writer over byte strings that writes what Nix 2.8's JSON writer writes: `" \\` and
 * LF/CR/TAB escaped, other control bytes as `\u00xx`, every other byte (DEL, UTF-8, non-UTF-8)
 * verbatim. Objects are `Map`s so that key order is the caller's. Pretty mode is Nix's
 * two-space layout (`{}`/`[]` when empty).
 */

export type JsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly JsonValue[]
  | ReadonlyMap<string, JsonValue>;

const HEX = "0123456789abcdef";
const NEEDS_ESCAPE = /[\x00-\x1f"\\]/;
const ESCAPE_ALL = /[\x00-\x1f"\\]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default: {
      const n = c.charCodeAt(0);
      return `\\u00${HEX[n >> 4]}${HEX[n & 15]}`;
    }
  }
}

/** A JSON string literal of a byte string (the result is a byte string too). */
export function jsonStringLiteral(s: string): string {
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(ESCAPE_ALL, escapeChar)}"` : `"${s}"`;
}

function writeCompact(v: JsonValue, out: string[]): void {
  if (v === null) out.push("null");
  else if (typeof v === "string") out.push(jsonStringLiteral(v));
  else if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") {
    out.push(String(v));
  } else if (Array.isArray(v)) {
    out.push("[");
    (v as readonly JsonValue[]).forEach((x, i) => {
      if (i > 0) out.push(",");
      writeCompact(x, out);
    });
    out.push("]");
  } else {
    out.push("{");
    let first = true;
    for (const [k, x] of v as ReadonlyMap<string, JsonValue>) {
      if (!first) out.push(",");
      first = false;
      out.push(jsonStringLiteral(k), ":");
      writeCompact(x, out);
    }
    out.push("}");
  }
}

function writePretty(v: JsonValue, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    const a = v as readonly JsonValue[];
    if (a.length === 0) {
      out.push("[]");
      return;
    }
    const inner = `${indent}  `;
    out.push("[");
    a.forEach((x, i) => {
      out.push(i > 0 ? ",\n" : "\n", inner);
      writePretty(x, inner, out);
    });
    out.push("\n", indent, "]");
  } else if (v instanceof Map) {
    const m = v as ReadonlyMap<string, JsonValue>;
    if (m.size === 0) {
      out.push("{}");
      return;
    }
    const inner = `${indent}  `;
    out.push("{");
    let first = true;
    for (const [k, x] of m) {
      out.push(first ? "\n" : ",\n", inner, jsonStringLiteral(k), ": ");
      first = false;
      writePretty(x, inner, out);
    }
    out.push("\n", indent, "}");
  } else {
    writeCompact(v, out);
  }
}

/** Serialises a value; strings in and out are byte strings. */
export function writeJson(v: JsonValue, opts: { pretty?: boolean } = {}): string {
  const out: string[] = [];
  if (opts.pretty) writePretty(v, "", out);
  else writeCompact(v, out);
  return out.join("");
}

/**
 * Random valid TOML 1.0 documents for the differential test: nested tables written as headers,
 * dotted keys and inline tables, arrays of tables, every string flavour with escapes and
 * non-ASCII text, integers in all bases, floats in all notations, comments, blank lines, tabs
 * and CRLF line ends. The documents avoid what Nix 2.8's toml11 mishandles (see toml.ts):
 * integers and floats out of range, and a super-table header after an array of tables below
 * it. They contain no dates (Nix 2.8 rejects them) and no NUL (Nix strings end there).
 * Output is a latin1 byte string (UTF-8 encoded text).
 */

type R = () => number;

const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const utf8 = (s: string) => Buffer.from(s, "utf8").toString("latin1");

function bareKey(r: R): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
  const n = 1 + Math.floor(r() * 6);
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * (i === 0 ? 26 : alphabet.length))];
  return s;
}

/** A key as written, and its value (bytes). */
function key(r: R, used: Set<string>): [string, string] {
  for (;;) {
    const k = r();
    let written: string;
    let name: string;
    if (k < 0.7) {
      name = bareKey(r);
      written = name;
    } else if (k < 0.85) {
      name = utf8(pick(r, ["a b", "é", "ʎǝʞ", "x.y", "", 'quote"d', "1.2", "tab\there"]));
      written = `"${name.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\t", "\\t")}"`;
    } else {
      name = utf8(pick(r, ["lit", "a.b", 'with "q"', "ü", "", "sp ace"]));
      written = `'${name}'`;
    }
    if (!used.has(name)) {
      used.add(name);
      return [written, name];
    }
  }
}

function basicStringBody(r: R): string {
  const parts = [
    "abc",
    " ",
    "é",
    "日本",
    "\\n",
    "\\t",
    '\\"',
    "\\\\",
    "\\u00e9",
    "\\U0001F600",
    "\\b",
    "\\f",
    "\\r",
    "$",
    "$\u{7b}x}", // "${" + "x}": must stay escaped in Nix output
    "'",
    "#",
  ];
  let s = "";
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) s += pick(r, parts);
  return utf8(s);
}

function stringValue(r: R): string {
  const k = r();
  if (k < 0.4) return `"${basicStringBody(r)}"`;
  if (k < 0.6) return utf8(`'${pick(r, ["", "C:\\path", "<\\i\\c*\\s*>", 'a "b" c', "ü"])}'`);
  if (k < 0.8) {
    const body = pick(r, [
      "\nline1\nline2",
      "one\\\n   two",
      'a"b""c',
      '\nx\\  \n\n  y ""',
      "tab\there",
      "\r\ncrlf\r\n",
      'end quote"',
    ]);
    return utf8(`"""${body}"""`);
  }
  const body = pick(r, ["\nraw \\n text\n", "it's", "a''b", "end'", "\r\nx\r\n"]);
  return utf8(`'''${body}'''`);
}

function integerValue(r: R): string {
  const k = r();
  if (k < 0.4)
    return pick(r, [
      "0",
      "+0",
      "-0",
      "42",
      "-17",
      "+99",
      "1_000",
      "5_349_221",
      "9223372036854775807",
      "-9223372036854775808",
    ]);
  if (k < 0.6) return String(Math.floor((r() - 0.5) * 2e6));
  if (k < 0.75) return pick(r, ["0xDEADBEEF", "0xdead_beef", "0x0", "0x7fffffffffffffff"]);
  if (k < 0.9) return pick(r, ["0o01234567", "0o755", "0o0"]);
  return pick(r, ["0b11010110", "0b0", "0b1_0_1"]);
}

function floatValue(r: R): string {
  return pick(r, [
    "+1.0",
    "3.1415",
    "-0.01",
    "5e+22",
    "1e06",
    "-2E-2",
    "6.626e-34",
    "224_617.445_991",
    "0.0",
    "-0.0",
    "+0.0",
    "inf",
    "+inf",
    "-inf",
    "nan",
    "+nan",
    "1.7976931348623157e308",
    "4.9e-324",
    "1e-400",
    "123456789.123",
    "0.1",
    "100000.0",
    "1000000.0",
    "0.0001",
    "0.00001",
    `${Math.floor(r() * 1000)}.${Math.floor(r() * 1000)}`,
  ]);
}

function scalar(r: R): string {
  const k = r();
  if (k < 0.35) return stringValue(r);
  if (k < 0.6) return integerValue(r);
  if (k < 0.8) return floatValue(r);
  return pick(r, ["true", "false"]);
}

function arrayValue(r: R, depth: number): string {
  const n = Math.floor(r() * 4);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(inlineValue(r, depth - 1));
  const multiline = r() < 0.3;
  const sep = multiline ? pick(r, [",\n  ", ", # c\n", ",\r\n\t"]) : pick(r, [", ", ",", " , "]);
  const trailing = n > 0 && r() < 0.3 ? "," : "";
  return `[${multiline ? "\n  " : ""}${items.join(sep)}${trailing}${multiline ? "\n" : ""}]`;
}

function inlineTable(r: R, depth: number): string {
  const used = new Set<string>();
  const n = Math.floor(r() * 3);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const [k] = key(r, used);
    if (r() < 0.2) {
      // dotted keys inside an inline table
      const [k2, k2name] = key(r, new Set());
      const [k3] = key(r, new Set([k2name]));
      parts.push(`${k}.${k2} = ${inlineValue(r, depth - 1)}`, `${k} . ${k3} = ${scalar(r)}`);
    } else {
      parts.push(`${k} = ${inlineValue(r, depth - 1)}`);
    }
  }
  return parts.length === 0 ? pick(r, ["{}", "{ }"]) : `{ ${parts.join(", ")} }`;
}

function inlineValue(r: R, depth: number): string {
  const k = r();
  if (depth > 0 && k < 0.15) return arrayValue(r, depth);
  if (depth > 0 && k < 0.25) return inlineTable(r, depth);
  return scalar(r);
}

function nl(r: R): string {
  return r() < 0.15 ? "\r\n" : "\n";
}

function filler(r: R): string {
  const k = r();
  if (k < 0.1) return `# comment ${utf8("é")}${nl(r)}`;
  if (k < 0.2) return nl(r);
  if (k < 0.25) return `\t ${nl(r)}`;
  return "";
}

function pair(r: R, used: Set<string>): string {
  const [k] = key(r, used);
  const ws = pick(r, [" = ", "=", " =\t", "  =  "]);
  const trail = r() < 0.2 ? " # trailing" : "";
  return `${pick(r, ["", "  ", "\t"])}${k}${ws}${inlineValue(r, 2)}${trail}${nl(r)}`;
}

/** Body lines of one table: plain pairs plus a group of dotted keys. */
function body(r: R, used: Set<string>): string {
  let out = "";
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) out += filler(r) + pair(r, used);
  if (r() < 0.3) {
    const [k] = key(r, used);
    const sub = new Set<string>();
    for (let i = 0; i < 1 + Math.floor(r() * 3); i++) {
      const [k2] = key(r, sub);
      out += `${k}.${k2} = ${scalar(r)}${nl(r)}`;
    }
  }
  return out;
}

export function randomTomlDocument(r: R): string {
  const topUsed = new Set<string>();
  let out = body(r, topUsed);
  const nTables = Math.floor(r() * 4);
  for (let t = 0; t < nTables; t++) {
    const [k] = key(r, topUsed);
    const kind = r();
    if (kind < 0.5) {
      const inTable = new Set<string>();
      out += `${filler(r)}[${pick(r, ["", " "])}${k}${pick(r, ["", " "])}]${nl(r)}${body(r, inTable)}`;
      if (r() < 0.4) {
        const [k2] = key(r, inTable);
        out += `[${k}.${k2}]${nl(r)}${body(r, new Set())}`;
      }
    } else if (kind < 0.8) {
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        out += `[[${k}]]${nl(r)}${body(r, new Set(["sub"]))}`;
        if (r() < 0.3) out += `[${k}.sub]${nl(r)}${body(r, new Set())}`;
      }
    } else {
      // a sub-table first, then its (implicitly created) parent
      const [k2, k2name] = key(r, new Set());
      out += `[${k}.${k2}]${nl(r)}${body(r, new Set())}[${k}]${nl(r)}${body(r, new Set([k2name]))}`;
    }
  }
  return out;
}

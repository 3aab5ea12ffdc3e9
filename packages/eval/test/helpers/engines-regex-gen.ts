/**
 * Random regular expressions and subjects for the regex differential and fuzz tests: mostly
 * well-formed POSIX EREs over a tiny alphabet (so matches are frequent), with some mutations
 * that produce invalid or unusual patterns.
 */

export function randomPattern(r: () => number, maxDepth = 3): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chars = ["a", "a", "b", "b", "c", "\\.", ".", "-", "]", "}", "é"];
  const bracketItems = [
    "a",
    "b",
    "c",
    "a-b",
    "b-c",
    "[:alpha:]",
    "[:digit:]",
    "[.a.]",
    "[=b=]",
    "-",
    "é",
  ];
  const atom = (d: number): string => {
    const k = r();
    if (d > 0 && k < 0.22) return `(${alt(d - 1)})`;
    if (k < 0.34) {
      let items = "";
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) items += pick(bracketItems);
      if (r() < 0.15) items = `]${items}`;
      return `[${r() < 0.3 ? "^" : ""}${items}]`;
    }
    return pick(chars);
  };
  const quant = (): string => {
    const k = r();
    if (k < 0.2) return "*";
    if (k < 0.3) return "+";
    if (k < 0.42) return "?";
    if (k < 0.47) return `{${Math.floor(r() * 3)}}`;
    if (k < 0.52) return `{${Math.floor(r() * 2)},}`;
    if (k < 0.58) {
      const m = Math.floor(r() * 2);
      return `{${m},${m + Math.floor(r() * 3)}}`;
    }
    return "";
  };
  const term = (d: number): string => {
    const k = r();
    if (k < 0.05) return "^";
    if (k < 0.1) return "$";
    let t = atom(d) + quant();
    if (r() < 0.08) t += quant();
    return t;
  };
  const seq = (d: number): string => {
    const n = Math.floor(r() * 4);
    let s = "";
    for (let i = 0; i < n; i++) s += term(d);
    return s;
  };
  const alt = (d: number): string => {
    let s = seq(d);
    while (r() < 0.25) s += `|${seq(d)}`;
    return s;
  };
  let p = alt(maxDepth);
  if (r() < 0.08) {
    const specials = ["(", ")", "[", "*", "{", "\\", "|", "{1", "[[:", "\\d"];
    const at = Math.floor(r() * (p.length + 1));
    p = p.slice(0, at) + pick(specials) + p.slice(at);
  }
  // "é" is two bytes in UTF-8; the patterns are byte strings.
  return Buffer.from(p, "utf8").toString("latin1");
}

export function randomSubject(r: () => number): string {
  const alphabet = ["a", "a", "b", "b", "c", ".", "-", "]", "\u00c3", "\u00a9"];
  const n = Math.floor(r() * 8);
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

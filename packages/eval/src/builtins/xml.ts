/**
 * toXML (CppNix `printValueAsXML`): `builtins.toXML` forces everything and prints no locations;
 * `nix-instantiate --eval --xml` prints `<unevaluated />` for values never evaluated unless
 * `--strict`, and the source location of attributes and functions unless `--no-location`.
 */
import { copyPathToStore } from "../coerce.ts";
import { formatFloat } from "../print-literals.ts";
import { isDerivation } from "../runtime.ts";
import {
  force,
  Lambda,
  mkString,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  type Pos,
  type Slot,
  strOf,
  Thunk,
} from "../values.ts";
import { registerBuiltin } from "./registry.ts";

function esc(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "<") out += "&lt;";
    else if (c === ">") out += "&gt;";
    else if (c === "&") out += "&amp;";
    else if (c === '"') out += "&quot;";
    else if (c === "\n") out += "&#xA;";
    else if (c === "\r") out += "&#xD;";
    else if (c === "\t") out += "&#x9;";
    else out += c;
  }
  return out;
}

export interface XMLOptions {
  /** Force nested values (otherwise unevaluated ones print as `<unevaluated />`). */
  strict?: boolean;
  /** Add `column`, `line` and (for files) `path` to attributes and functions. */
  location?: boolean;
}

/** ` column="…" line="…"` (and ` path="…"` for files), in CppNix's attribute order. */
function locationAttrs(pos: Pos | null | undefined): string {
  if (!pos) return "";
  const p = pos.source.position(pos.offset);
  const path = pos.source.name.startsWith("/") ? ` path="${esc(pos.source.name)}"` : "";
  return ` column="${p.column}" line="${p.line}"${path}`;
}

export function toXML(v: Slot, ctx: Set<string>, opts: XMLOptions = {}): string {
  const strict = opts.strict ?? true;
  const location = opts.location ?? false;
  const lines: string[] = ["<?xml version='1.0' encoding='utf-8'?>", "<expr>"];
  const drvsSeen = new Set<string>();
  const go = (s: Slot, ind: string): void => {
    if (!strict && s instanceof Thunk && !s.isForced) {
      lines.push(`${ind}<unevaluated />`);
      return;
    }
    const x = force(s);
    if (typeof x === "number" || typeof x === "bigint") lines.push(`${ind}<int value="${x}" />`);
    else if (typeof x === "string" || x instanceof NixString) {
      if (x instanceof NixString) for (const c of x.ctx) ctx.add(c);
      lines.push(`${ind}<string value="${esc(strOf(x))}" />`);
    } else if (typeof x === "boolean") lines.push(`${ind}<bool value="${x}" />`);
    else if (x === null) lines.push(`${ind}<null />`);
    else if (x instanceof NixFloat) lines.push(`${ind}<float value="${formatFloat(x.value)}" />`);
    else if (x instanceof NixPath) lines.push(`${ind}<path value="${esc(x.path)}" />`);
    else if (Array.isArray(x)) {
      lines.push(`${ind}<list>`);
      for (const e of x) go(e, `${ind}  `);
      lines.push(`${ind}</list>`);
    } else if (x instanceof NixAttrs) {
      if (isDerivation(x)) {
        let attrsStr = "";
        const dp = x.get("drvPath");
        let drvPath = "";
        if (dp !== undefined) {
          const d = force(dp);
          drvPath = typeof d === "string" || d instanceof NixString ? strOf(d) : "";
          if (d instanceof NixString) for (const c of d.ctx) ctx.add(c);
          attrsStr += ` drvPath="${esc(drvPath)}"`;
        }
        const op = x.get("outPath");
        if (op !== undefined) {
          const o = force(op);
          const os = typeof o === "string" || o instanceof NixString ? strOf(o) : "";
          if (o instanceof NixString) for (const c of o.ctx) ctx.add(c);
          attrsStr += ` outPath="${esc(os)}"`;
        }
        if (drvPath !== "" && drvsSeen.has(drvPath)) {
          lines.push(`${ind}<derivation${attrsStr}>`);
          lines.push(`${ind}  <repeated />`);
          lines.push(`${ind}</derivation>`);
          return;
        }
        if (drvPath !== "") drvsSeen.add(drvPath);
        lines.push(`${ind}<derivation${attrsStr}>`);
        attrsBody(x, `${ind}  `);
        lines.push(`${ind}</derivation>`);
        return;
      }
      lines.push(`${ind}<attrs>`);
      attrsBody(x, `${ind}  `);
      lines.push(`${ind}</attrs>`);
    } else if (x instanceof Lambda) {
      const at = location ? locationAttrs({ source: x.info.source, offset: x.info.start }) : "";
      lines.push(`${ind}<function${at}>`);
      const f = x.info.formals;
      if (f) {
        let a = "";
        if (f.ellipsis) a += ' ellipsis="1"';
        if (x.info.arg !== null) a += ` name="${esc(x.info.arg)}"`;
        lines.push(`${ind}  <attrspat${a}>`);
        for (const n of f.names) lines.push(`${ind}    <attr name="${esc(n)}" />`);
        lines.push(`${ind}  </attrspat>`);
      } else lines.push(`${ind}  <varpat name="${esc(x.info.arg ?? "")}" />`);
      lines.push(`${ind}</function>`);
    } else lines.push(`${ind}<unevaluated />`);
  };
  const attrsBody = (x: NixAttrs, ind: string): void => {
    for (let i = 0; i < x.keys.length; i++) {
      const name = ` name="${esc(x.keys[i])}"`;
      if (location) {
        // Attribute order as CppNix writes it: column, line, name, path.
        const at = locationAttrs(x.pos?.[i]);
        const path = at.indexOf(" path=");
        lines.push(
          path < 0
            ? `${ind}<attr${at}${name}>`
            : `${ind}<attr${at.slice(0, path)}${name}${at.slice(path)}>`,
        );
      } else lines.push(`${ind}<attr${name}>`);
      go(x.values[i], `${ind}  `);
      lines.push(`${ind}</attr>`);
    }
  };
  go(v, "  ");
  lines.push("</expr>");
  return `${lines.join("\n")}\n`;
}

registerBuiltin("toXML", 1, (v: Slot) => {
  const ctx = new Set<string>();
  const s = toXML(v, ctx);
  return mkString(s, ctx);
});

export { copyPathToStore };

/**
 * Structured attrs (spec §5.8): with `__structuredAttrs = true` the attributes go, as one JSON
 * object with sorted keys, into the env var `__json`; env then holds only `__json` and one
 * entry per output. For the ATerm and hashes `__json` is an ordinary env var.
 */
import { latin1Encode } from "../bytes.ts";
import { type JsonValue, writeJson } from "./json-writer.ts";
import { compareByteStrings, type Derivation, DerivationError } from "./model.ts";

export const STRUCTURED_ATTRS_ENV = "__json";

function sortDeep(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return (v as readonly JsonValue[]).map(sortDeep);
  if (v instanceof Map) {
    const m = v as ReadonlyMap<string, JsonValue>;
    const out = new Map<string, JsonValue>();
    for (const k of [...m.keys()].sort(compareByteStrings)) out.set(k, sortDeep(m.get(k)!));
    return out;
  }
  return v;
}

/**
 * The `__json` value as Nix writes it: compact, object keys sorted bytewise, strings escaped as
 * Nix's JSON writer does. Strings are byte strings; numbers are written with `String(n)`, so
 * callers format floats themselves if they need Nix's float syntax.
 */
export function encodeStructuredAttrs(attrs: ReadonlyMap<string, JsonValue>): string {
  return writeJson(sortDeep(attrs));
}

/** Sets env to `{ __json: … }` (outputs are added by `finalizeDerivation`). */
export function setStructuredAttrs(drv: Derivation, attrs: ReadonlyMap<string, JsonValue>): void {
  drv.env.clear();
  drv.env.set(STRUCTURED_ATTRS_ENV, encodeStructuredAttrs(attrs));
}

export function hasStructuredAttrs(drv: Derivation): boolean {
  return drv.env.has(STRUCTURED_ATTRS_ENV);
}

/** The parsed `__json` object (Unicode strings), or undefined if the derivation has none. */
export function getStructuredAttrs(drv: Derivation): Record<string, unknown> | undefined {
  const s = drv.env.get(STRUCTURED_ATTRS_ENV);
  if (s === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(latin1Encode(s)));
  } catch (e) {
    throw new DerivationError(
      "invalid-structured-attrs",
      `invalid __json: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new DerivationError("invalid-structured-attrs", "__json is not a JSON object");
  }
  return v as Record<string, unknown>;
}

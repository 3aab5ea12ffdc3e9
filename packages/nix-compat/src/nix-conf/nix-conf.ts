/**
 * nix.conf (spec §7.1): one file's text into typed settings. No IO: `include`/`!include` lines
 * are returned for the caller to resolve, and merging files is the caller's job.
 *
 * Lines (as CppNix): cut at the first `#` (even inside a value); split on spaces, tabs and `\r`;
 * blank lines are skipped; `include PATH` / `!include PATH` are includes; anything else is
 * `name = value`. CppNix wants whitespace on both sides of `=`; like Tvix we split at the first
 * `=` instead, so `sandbox=true` works (CppNix rejects that line). The value's words are joined
 * by single spaces, as CppNix does.
 *
 * Values (as CppNix): booleans are `true`/`yes`/`1` or `false`/`no`/`0` (Tvix: only
 * `true`/`false`); `max-jobs` may be `auto`; `sandbox` is `true`, `false` or `relaxed`; lists are
 * whitespace-separated; `trusted-public-keys` entries must be valid keys. A later line for the
 * same setting replaces the earlier one; `extra-<list setting>` appends to it. Old aliases
 * (`binary-caches`, `build-cores`, ...) set the current names.
 *
 * Unknown settings: Tvix fails on them; CppNix warns ("unknown setting") and goes on, which is
 * what a tool reading a real system's nix.conf needs (it has dozens of settings we do not
 * model). We keep them in `unknownSettings` for the caller to warn about or use, and fail only
 * with `{ strict: true }`.
 */
import { NixCompatError } from "../errors.ts";
import { parseVerifyingKey, type VerifyingKey } from "../narinfo/keys.ts";

export class NixConfigError extends NixCompatError {}

export interface NixConfig {
  allowedUsers?: string[];
  autoOptimiseStore?: boolean;
  buildersUseSubstitutes?: boolean;
  /** 0 means all cores. */
  cores?: number;
  experimentalFeatures?: string[];
  extraPlatforms?: string[];
  extraSandboxPaths?: string[];
  maxJobs?: number | "auto";
  requireSigs?: boolean;
  sandbox?: boolean | "relaxed";
  sandboxFallback?: boolean;
  substituters?: string[];
  systemFeatures?: string[];
  trustedPublicKeys?: VerifyingKey[];
  trustedSubstituters?: string[];
  trustedUsers?: string[];
  /** Settings not modelled here, name → value (words joined by one space), last one wins. */
  unknownSettings: Map<string, string>;
  /** `include`/`!include` lines in order; `optional` for `!include`. Paths are not resolved. */
  includes: { path: string; optional: boolean; line: number }[];
}

export interface NixConfigOptions {
  /** Fail on unknown settings (Tvix's behaviour) instead of collecting them. */
  strict?: boolean;
}

type Kind = "list" | "bool" | "uint" | "maxJobs" | "sandbox" | "keys";
type Field = Exclude<keyof NixConfig, "unknownSettings" | "includes">;

const SETTINGS: Record<string, [Field, Kind]> = {
  "allowed-users": ["allowedUsers", "list"],
  "auto-optimise-store": ["autoOptimiseStore", "bool"],
  "builders-use-substitutes": ["buildersUseSubstitutes", "bool"],
  cores: ["cores", "uint"],
  "experimental-features": ["experimentalFeatures", "list"],
  "extra-platforms": ["extraPlatforms", "list"],
  "extra-sandbox-paths": ["extraSandboxPaths", "list"],
  "max-jobs": ["maxJobs", "maxJobs"],
  "require-sigs": ["requireSigs", "bool"],
  sandbox: ["sandbox", "sandbox"],
  "sandbox-fallback": ["sandboxFallback", "bool"],
  substituters: ["substituters", "list"],
  "system-features": ["systemFeatures", "list"],
  "trusted-public-keys": ["trustedPublicKeys", "keys"],
  "trusted-substituters": ["trustedSubstituters", "list"],
  "trusted-users": ["trustedUsers", "list"],
};

/** Deprecated names CppNix still accepts. */
const ALIASES: Record<string, string> = {
  "binary-caches": "substituters",
  "binary-cache-public-keys": "trusted-public-keys",
  "trusted-binary-caches": "trusted-substituters",
  "build-cores": "cores",
  "build-max-jobs": "max-jobs",
  "build-use-sandbox": "sandbox",
  "build-use-chroot": "sandbox",
};

function words(s: string): string[] {
  return s.split(/[ \t\r\n]+/).filter((w) => w !== "");
}

function preview(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}

function lookup(name: string): [string, [Field, Kind]] | undefined {
  const canonical = ALIASES[name] ?? name;
  const s = Object.hasOwn(SETTINGS, canonical) ? SETTINGS[canonical] : undefined;
  return s === undefined ? undefined : [canonical, s];
}

/** Parses the text of one nix.conf file. */
export function parseNixConfig(text: string, opts: NixConfigOptions = {}): NixConfig {
  const config: NixConfig = { unknownSettings: new Map(), includes: [] };
  const out = config as unknown as Record<Field, unknown>;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const hash = raw.indexOf("#");
    const line = hash < 0 ? raw : raw.slice(0, hash);
    const toks = words(line);
    if (toks.length === 0) continue;

    if (toks[0] === "include" || toks[0] === "!include") {
      if (toks.length !== 2) {
        throw new NixConfigError(
          "invalid-line",
          `line ${lineNo}: expected '${toks[0]} PATH', got ${preview(line.trim())}`,
        );
      }
      config.includes.push({ path: toks[1]!, optional: toks[0] === "!include", line: lineNo });
      continue;
    }

    const eq = line.indexOf("=");
    const nameWords = eq < 0 ? [] : words(line.slice(0, eq));
    const name = nameWords[0] ?? "";
    if (nameWords.length !== 1) {
      throw new NixConfigError(
        "invalid-line",
        `line ${lineNo}: expected 'name = value', got ${preview(line.trim())}`,
      );
    }
    const valueWords = words(line.slice(eq + 1));
    const value = valueWords.join(" ");

    let append = false;
    let setting = lookup(name);
    if (setting === undefined && name.startsWith("extra-")) {
      const base = lookup(name.slice(6));
      if (base !== undefined && (base[1][1] === "list" || base[1][1] === "keys")) {
        setting = base;
        append = true;
      }
    }
    if (setting === undefined) {
      if (opts.strict) {
        throw new NixConfigError("unknown-setting", `line ${lineNo}: unknown setting '${name}'`);
      }
      config.unknownSettings.set(name, value);
      continue;
    }

    const [canonical, [field, kind]] = setting;
    const bad = (expected: string): never => {
      throw new NixConfigError(
        "invalid-value",
        `line ${lineNo}: setting '${canonical}' has invalid value ${preview(value)} (expected ${expected})`,
      );
    };
    let parsed: unknown;
    switch (kind) {
      case "list":
        parsed = valueWords;
        break;
      case "keys":
        parsed = valueWords.map((k) => {
          try {
            return parseVerifyingKey(k);
          } catch (e) {
            if (!(e instanceof NixCompatError)) throw e;
            throw new NixConfigError(
              "invalid-value",
              `line ${lineNo}: setting '${canonical}': ${e.message}`,
              { cause: e },
            );
          }
        });
        break;
      case "bool":
        if (value === "true" || value === "yes" || value === "1") parsed = true;
        else if (value === "false" || value === "no" || value === "0") parsed = false;
        else bad("true or false");
        break;
      case "uint":
        parsed = parseUint(value) ?? bad("a non-negative integer");
        break;
      case "maxJobs":
        parsed = value === "auto" ? "auto" : (parseUint(value) ?? bad("a number or 'auto'"));
        break;
      case "sandbox":
        if (value === "true") parsed = true;
        else if (value === "false") parsed = false;
        else if (value === "relaxed") parsed = "relaxed";
        else bad("true, false or relaxed");
        break;
    }
    if (append) {
      const prev = (out[field] as unknown[] | undefined) ?? [];
      out[field] = [...prev, ...(parsed as unknown[])];
    } else {
      out[field] = parsed;
    }
  }
  return config;
}

function parseUint(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

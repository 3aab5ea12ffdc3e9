/**
 * Self-contained engines behind some builtins, independent of the evaluator's values:
 * - regex: `builtins.match` / `builtins.split` (CppNix's libstdc++ POSIX extended regexes);
 * - toml: `builtins.fromTOML` (TOML 1.0 to a neutral tree);
 * - versions: `builtins.splitVersion`, `compareVersions`, `parseDrvName`.
 * All take and return latin1 byte strings (one code unit per byte), like Nix strings.
 */
export {
  clearRegexCache,
  compile as compileRegex,
  DEFAULT_LIMITS as REGEX_DEFAULT_LIMITS,
  type ExecLimits as RegexLimits,
  matchWhole,
  type Regex,
  RegexError,
  type RegexErrorKind,
  type SearchMatch,
  type SplitPiece,
  searchAll,
  splitString,
} from "./regex.ts";
export {
  MAX_NESTING as TOML_MAX_NESTING,
  parseToml,
  type TomlArray,
  type TomlBoolean,
  type TomlDateTime,
  type TomlDateTimeType,
  TomlError,
  type TomlFloat,
  type TomlInteger,
  type TomlString,
  type TomlTable,
  type TomlValue,
} from "./toml.ts";
export { compareVersions, parseDrvName, splitVersion } from "./versions.ts";

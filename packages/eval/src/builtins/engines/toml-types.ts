/**
 * The neutral tree produced by the TOML parser (independent of the evaluator's values).
 *
 * Strings and keys are latin1 byte strings holding the UTF-8 bytes of the text (the same
 * representation as Nix strings). Integers are always `bigint` (TOML integers are signed
 * 64-bit; a bigint keeps every value exact without a number/bigint split). Tables keep their
 * keys in document order; Nix sorts attribute names anyway.
 */

export interface TomlTable {
  readonly kind: "table";
  readonly entries: Map<string, TomlValue>;
}

export interface TomlArray {
  readonly kind: "array";
  readonly items: TomlValue[];
}

export interface TomlString {
  readonly kind: "string";
  /** UTF-8 bytes as a latin1 byte string; may contain NUL (from `\u0000`). */
  readonly value: string;
}

export interface TomlInteger {
  readonly kind: "integer";
  /** Always within the signed 64-bit range. */
  readonly value: bigint;
}

export interface TomlFloat {
  readonly kind: "float";
  readonly value: number;
  /**
   * True for `-nan`: CppNix keeps the sign of a NaN and prints it as `-nan`, but a JS NaN has
   * no observable sign, so it is recorded here.
   */
  readonly negativeNan?: true;
}

export interface TomlBoolean {
  readonly kind: "boolean";
  readonly value: boolean;
}

export type TomlDateTimeType = "offset-datetime" | "local-datetime" | "local-date" | "local-time";

export interface TomlDateTime {
  readonly kind: "datetime";
  readonly type: TomlDateTimeType;
  /** The text as written in the document. */
  readonly text: string;
  /**
   * The text CppNix puts in `{ _type = "timestamp"; value = ...; }` (experimental feature
   * `parse-toml-timestamps`): toml11's rendering, not the original. The date/time separator is
   * always `T`, `z` becomes `Z`, a zero offset (`+00:00`, `-00:00`) is `Z`, and fractional
   * seconds keep 3, 6 or 9 digits: the shortest of those showing every non-zero digit among
   * the first nine (`.5` -> `.500`, `.999999` -> `.999999`, `.000` -> nothing).
   */
  readonly value: string;
}

export type TomlValue =
  | TomlTable
  | TomlArray
  | TomlString
  | TomlInteger
  | TomlFloat
  | TomlBoolean
  | TomlDateTime;

/** A malformed document. `line` and `column` are 1-based; columns count characters. */
export class TomlError extends Error {
  override name = "TomlError";
  readonly line: number;
  readonly column: number;
  /** The message without the position. */
  readonly reason: string;

  constructor(reason: string, line: number, column: number) {
    super(`${reason} at line ${line}, column ${column}`);
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

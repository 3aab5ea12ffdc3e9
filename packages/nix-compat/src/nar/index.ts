/** NAR: wire format, streaming writer and reader, listings. */
export { NarError, type NarErrorCode } from "./error.ts";
export * from "./listing.ts";
export { type NarParseEvent, NarParser, type NarParserOptions } from "./parser.ts";
export * from "./reader.ts";
export * from "./types.ts";
export {
  DEFAULT_MAX_DEPTH,
  invalidNameReason,
  invalidTargetReason,
  MAX_NAME_LEN,
  MAX_TARGET_LEN,
} from "./wire.ts";
export * from "./writer.ts";

import { NixCompatError } from "../errors.ts";

/** A narinfo (or a value for one) that is malformed; the message names the line or field. */
export class NarInfoError extends NixCompatError {}

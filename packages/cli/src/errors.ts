/** A mistake in how the command was called: exit code 2, with a hint to `--help`. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Something the user asked for cannot be done (missing file, bad input): exit code 1. */
export class UserError extends Error {
  override name = "UserError";
}

/**
 * Parsing service URLs, which come from outside (flags, environment, composition files): the
 * WHATWG parser and `decodeURIComponent` throw bare TypeErrors and URIErrors, so every URL and
 * every percent-decoded part goes through here and fails as a ConfigError naming the URL.
 */
import { ConfigError } from "../errors.ts";

/**
 * The ConfigError for a bad URL. `label` names the URL in messages: the URL itself, or where it
 * was given and the URL.
 */
export function invalidUrl(label: string, why: string): never {
  throw new ConfigError("InvalidUrl", `${label}: ${why}`);
}

/**
 * Parses a service URL. A fragment is refused: no service has a use for one, and silently
 * dropping it would turn `sqlite:///a#b` into the database `/a`.
 */
export function parseUrl(url: string, label = url): URL {
  if (!URL.canParse(url)) invalidUrl(label, "not a valid URL");
  // `hash` is "" for a bare trailing "#"; any "#" in the text starts a fragment.
  if (url.includes("#")) invalidUrl(label, "a fragment (#…) is not allowed");
  return new URL(url);
}

/** Percent-decodes one part of a URL (a malformed escape such as `%` or `%zz` is refused). */
export function decodeUrlPart(part: string, label: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return invalidUrl(label, `malformed percent-encoding in ${part}`);
  }
}

/**
 * The file system path a URL's path stands for: decoded, absolute (the documented forms are
 * `scheme:///abs/path`; `scheme:rel` would silently depend on the working directory) and free of
 * NUL, which no file system accepts.
 */
export function decodeUrlPath(pathname: string, label: string): string {
  const path = decodeUrlPart(pathname, label);
  if (path !== "" && !path.startsWith("/")) invalidUrl(label, "the path must be absolute");
  if (path.includes("\0")) invalidUrl(label, "the path may not contain NUL");
  return path;
}

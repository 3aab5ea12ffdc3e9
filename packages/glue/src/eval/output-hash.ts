/**
 * Hash arguments as CppNix reads them (`newHashAllowEmpty`): SRI, `algo:digest`, or a bare
 * digest (base16, nixbase32 or base64) whose algorithm comes from context; an empty string means
 * "all zeros" with a warning (the usual way to ask Nix for the real hash).
 */
import { throwEval } from "@tvix-ts/eval";
import { type HashAlgo, isHashAlgo, NixHash, parseNixHash } from "@tvix-ts/nix-compat/core";

export function parseHashAllowEmpty(
  s: string,
  algo: HashAlgo | undefined,
  warn: (msg: string) => void,
): NixHash {
  if (s === "") {
    if (algo === undefined) return throwEval("empty hash requires explicit hash type");
    const h = new NixHash(algo, new Uint8Array(digestLength(algo)));
    warn(`found empty hash, assuming '${h.toSri()}'`);
    return h;
  }
  try {
    return parseNixHash(s, algo);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "missing-algo")
      return throwEval(
        `hash '${s}' does not include a type, nor is the type otherwise known from context`,
      );
    return throwEval((e as Error).message);
  }
}

/** CppNix's `parseHashTypeOpt`: an unknown or empty name is "no algorithm". */
export function hashAlgoOpt(s: string | undefined): HashAlgo | undefined {
  return s !== undefined && isHashAlgo(s) ? s : undefined;
}

function digestLength(a: HashAlgo): number {
  return a === "md5" ? 16 : a === "sha1" ? 20 : a === "sha256" ? 32 : 64;
}

/** hashString, hashFile, convertHash (digests from @tvix-ts/nix-compat). */
import { type HashAlgo, isHashAlgo, NixHash, parseNixHash } from "@tvix-ts/nix-compat/core";
import { byteStringToBytes } from "../bytes.ts";
import { coerceToPath } from "../coerce.ts";
import { throwEval } from "../eval-error.ts";
import { IOFailure } from "../io.ts";
import { forceAttrs, forceString, forceStringNoCtx, state } from "../runtime.ts";
import type { Slot } from "../values.ts";
import { registerBuiltin } from "./registry.ts";

function algoOf(s: Slot): HashAlgo {
  const a = forceStringNoCtx(s);
  if (!isHashAlgo(a)) throwEval(`unknown hash algorithm '${a}'`);
  return a;
}

registerBuiltin("hashString", 2, (a: Slot, s: Slot) => {
  const algo = algoOf(a);
  const str = forceString(s);
  return NixHash.of(algo, byteStringToBytes(str)).toHex();
});

registerBuiltin("hashFile", 2, (a: Slot, p: Slot) => {
  const algo = algoOf(a);
  const path = coerceToPath(p, null);
  let data: Uint8Array;
  try {
    data = state.io.readFile(path);
  } catch (e) {
    if (e instanceof IOFailure) throwEval(`opening file '${path}': ${e.message}`);
    throw e;
  }
  return NixHash.of(algo, data).toHex();
});

registerBuiltin("convertHash", 1, (a: Slot) => {
  const args = forceAttrs(a);
  const h = args.get("hash");
  if (h === undefined) throwEval("attribute 'hash' missing");
  const hash = forceStringNoCtx(h);
  const algoS = args.get("hashAlgo");
  const algo = algoS === undefined ? undefined : forceStringNoCtx(algoS);
  if (algo !== undefined && !isHashAlgo(algo)) throwEval(`unknown hash algorithm '${algo}'`);
  const fmtS = args.get("toHashFormat");
  if (fmtS === undefined) throwEval("attribute 'toHashFormat' missing");
  const fmt = forceStringNoCtx(fmtS);
  let parsed: NixHash;
  try {
    parsed = parseNixHash(hash, algo);
  } catch (e) {
    return throwEval((e as Error).message);
  }
  switch (fmt) {
    case "base16":
      return parsed.format("base16");
    case "nix32":
    case "base32":
      return parsed.format("nixbase32");
    case "base64":
      return parsed.format("base64");
    case "sri":
      return parsed.format("sri");
    default:
      return throwEval(
        `unknown hash format '${fmt}', expect 'base16', 'base32', 'nix32', 'base64' or 'sri'`,
      );
  }
});

import { HashError, isHashAlgo } from "./algo.ts";
import { decodeDigest, NixHash } from "./nix-hash.ts";

/**
 * How a store object's contents were hashed for its content address:
 * - `flat`: the file's bytes (any algorithm), `fixed:<algo>`
 * - `nar`: its NAR serialisation, `fixed:r:<algo>`
 * - `text`: a text file with references (sha256 only), `text:sha256`
 */
export type ContentAddressMethod = "flat" | "nar" | "text";

export class ContentAddress {
  readonly method: ContentAddressMethod;
  readonly hash: NixHash;

  constructor(method: ContentAddressMethod, hash: NixHash) {
    if (method === "text" && hash.algo !== "sha256") {
      throw new HashError("invalid-ca", `text content addresses must use sha256, not ${hash.algo}`);
    }
    this.method = method;
    this.hash = hash;
  }

  /** `fixed:r:sha256`, `fixed:sha1`, `text:sha256` */
  methodAlgo(): string {
    switch (this.method) {
      case "flat":
        return `fixed:${this.hash.algo}`;
      case "nar":
        return `fixed:r:${this.hash.algo}`;
      case "text":
        return "text:sha256";
    }
  }

  /** The form narinfo `CA:` and the daemon use: method, algorithm, nixbase32 digest. */
  toString(): string {
    return `${this.methodAlgo()}:${this.hash.toNixBase32()}`;
  }

  equals(o: ContentAddress): boolean {
    return o.method === this.method && o.hash.equals(this.hash);
  }
}

/** Parses `fixed:[r:]<algo>:<digest>` or `text:sha256:<digest>` (digest in any encoding, as CppNix). */
export function parseContentAddress(s: string): ContentAddress {
  const fail = (): never => {
    throw new HashError("invalid-ca", `invalid content address '${s}'`);
  };
  let method: ContentAddressMethod;
  let rest: string;
  if (s.startsWith("text:")) {
    method = "text";
    rest = s.slice(5);
  } else if (s.startsWith("fixed:r:")) {
    method = "nar";
    rest = s.slice(8);
  } else if (s.startsWith("fixed:")) {
    method = "flat";
    rest = s.slice(6);
  } else {
    return fail();
  }
  const colon = rest.indexOf(":");
  if (colon < 0) return fail();
  const algo = rest.slice(0, colon);
  if (!isHashAlgo(algo)) return fail();
  if (method === "text" && algo !== "sha256") return fail();
  return new ContentAddress(method, new NixHash(algo, decodeDigest(algo, rest.slice(colon + 1))));
}

/**
 * The embedded "corepkgs": `<nix/fetchurl.nix>` resolves here (the search path gets
 * `nix=/__corepkgs__` appended). The file describes a `builtin:fetchurl` derivation with exactly
 * the attributes CppNix's copy gives it, so that drv and output paths agree with Nix's.
 */
export const COREPKGS_DIR = "/__corepkgs__";

const FETCHURL_NIX = `# <nix/fetchurl.nix>: a fixed-output derivation that Nix (or tvix) fetches itself.
{ system ? "" # unused, kept for old callers
, url
, hash ? "" # SRI
# older ways of giving the hash
, md5 ? "", sha1 ? "", sha256 ? "", sha512 ? ""
, outputHash ?
    if hash != "" then hash
    else if sha512 != "" then sha512
    else if sha1 != "" then sha1
    else if md5 != "" then md5
    else sha256
, outputHashAlgo ?
    if hash != "" then ""
    else if sha512 != "" then "sha512"
    else if sha1 != "" then "sha1"
    else if md5 != "" then "md5"
    else "sha256"
, executable ? false
, unpack ? false
, name ? baseNameOf (toString url)
}:

derivation {
  builder = "builtin:fetchurl";
  inherit outputHashAlgo outputHash;
  outputHashMode = if unpack || executable then "recursive" else "flat";
  inherit name url executable unpack;
  system = "builtin";
  preferLocalBuild = true;
  # proxies come from the caller's environment
  impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  # for nix-prefetch-url
  urls = [ url ];
}
`;

const FILES = new Map<string, Uint8Array>([
  [`${COREPKGS_DIR}/fetchurl.nix`, new TextEncoder().encode(FETCHURL_NIX)],
]);

/** Contents of a corepkgs file, or undefined. The directory itself reads as missing. */
export function corepkgsFile(path: string): Uint8Array | undefined {
  return FILES.get(path);
}

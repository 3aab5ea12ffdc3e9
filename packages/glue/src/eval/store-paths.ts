/** Splitting absolute paths into store path + sub-path, without trusting the input. */

const NIX32 = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]+$/;

export interface InStore {
  /** `/nix/store/<hash>-<name>` */
  storePath: string;
  /** `` or `/sub/path` */
  sub: string;
}

/** The store path a path lies in, or undefined when it is not below a valid store path. */
export function splitStorePath(path: string, storeDir: string): InStore | undefined {
  if (!path.startsWith(`${storeDir}/`)) return undefined;
  const rest = path.slice(storeDir.length + 1);
  const i = rest.indexOf("/");
  const base = i < 0 ? rest : rest.slice(0, i);
  if (!NIX32.test(base)) return undefined;
  return { storePath: `${storeDir}/${base}`, sub: i < 0 ? "" : rest.slice(i) };
}

export function baseName(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? p : p.slice(i + 1);
}

/**
 * nar-bridge's self-describing NAR URLs (castore-store.md §13.1):
 * `nar/tvix-castore/<base64url(Node proto with empty name)>?narsize=<n>`. Any castore root can
 * be fetched through one without a PathInfo, so such URLs can be cached forever.
 */
import { encodeNode, type Node } from "@tvix-ts/castore";

const NO_NAME = new Uint8Array(0);

export function narUrlComponent(node: Node): string {
  return Buffer.from(encodeNode(NO_NAME, node)).toString("base64url");
}

/** The narinfo `URL:` of a root node. */
export function narUrl(node: Node, narSize: number): string {
  return `nar/tvix-castore/${narUrlComponent(node)}?narsize=${narSize}`;
}

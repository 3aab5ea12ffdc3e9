/**
 * For combinators over DirectoryServices: a service "answers" a getRecursive once its stream
 * yields a first directory; the rest then streams from that same iterator (no second request).
 */

import type { DirectoryService } from "../directory/types.ts";
import type { B3Digest } from "../model/digest.ts";
import type { Directory } from "../model/directory.ts";

export interface StartedClosure {
  readonly first: Directory;
  readonly rest: AsyncIterator<Directory>;
}

/** Starts `getRecursive(root)`; undefined if the service does not have the root. */
export async function startClosure(
  service: DirectoryService,
  root: B3Digest,
): Promise<StartedClosure | undefined> {
  const it = service.getRecursive(root)[Symbol.asyncIterator]();
  const r = await it.next();
  return r.done ? undefined : { first: r.value, rest: it };
}

export async function* streamClosure(
  started: StartedClosure | undefined,
): AsyncGenerator<Directory> {
  if (!started) return;
  try {
    yield started.first;
    for (let r = await started.rest.next(); !r.done; r = await started.rest.next()) yield r.value;
  } finally {
    // Also when the consumer stops early: let the source release its connection or cursor.
    await started.rest.return?.();
  }
}

/** Abandons a started closure nobody will read. */
export function dropClosure(started: StartedClosure): void {
  Promise.resolve(started.rest.return?.()).catch(() => {});
}

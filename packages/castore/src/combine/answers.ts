/**
 * How the `priority` and `race` combinators pick an answer from several services. A positive
 * answer (something defined) wins; "absent" is the answer only if every service said so; if none
 * answered positively and one failed, its error is thrown, because a failing backend cannot
 * vouch for absence.
 */

/** Asks the services one after another; the first positive answer wins. */
export async function firstInOrder<S, T>(
  services: readonly S[],
  ask: (s: S) => Promise<T | undefined>,
): Promise<T | undefined> {
  let failure: { error: unknown } | undefined;
  for (const s of services) {
    try {
      const answer = await ask(s);
      if (answer !== undefined) return answer;
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
  return undefined;
}

/**
 * Asks all services at once; the first positive answer wins. Answers that arrive after the
 * winner are handed to `discard` (e.g. to close a reader nobody will read).
 */
export function firstToAnswer<S, T>(
  services: readonly S[],
  ask: (s: S) => Promise<T | undefined>,
  discard: (answer: T) => void = () => {},
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let pending = services.length;
    let decided = false;
    let failure: { error: unknown } | undefined;
    const settle = () => {
      if (--pending > 0 || decided) return;
      decided = true;
      if (failure) reject(failure.error);
      else resolve(undefined);
    };
    if (pending === 0) resolve(undefined);
    for (const s of services) {
      ask(s).then(
        (answer) => {
          if (answer === undefined) return settle();
          if (decided) return discard(answer);
          decided = true;
          resolve(answer);
        },
        (error) => {
          failure ??= { error };
          settle();
        },
      );
    }
  });
}

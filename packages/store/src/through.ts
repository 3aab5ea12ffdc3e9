/**
 * Pipes an async iterable through a Node transform (a compressor, a decompressor, a child
 * process's stdio). `pipe` does not forward the source's errors: without the listener here a
 * failing source (an upload whose client went away) is an unhandled 'error' event that kills
 * the process; with it the error ends the transform, and so reaches whoever reads from it.
 */
import { type Duplex, Readable, type Transform } from "node:stream";

export async function* through(
  src: AsyncIterable<Uint8Array>,
  t: Transform | Duplex,
): AsyncGenerator<Uint8Array> {
  const input = Readable.from(src, { objectMode: false });
  input.on("error", (e) => t.destroy(e));
  try {
    yield* input.pipe(t) as AsyncIterable<Uint8Array>;
  } finally {
    input.destroy();
  }
}

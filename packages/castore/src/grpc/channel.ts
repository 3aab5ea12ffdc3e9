/**
 * A bounded single-consumer queue exposed as an AsyncIterable: how a writer feeds a
 * client-streaming gRPC call. `push` waits while the queue is full, so a slow connection slows
 * the producer instead of buffering the whole blob in memory.
 */
export class Channel<T> implements AsyncIterable<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #ended = false;
  #error: unknown;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  constructor(capacity = 4) {
    this.#capacity = capacity;
  }

  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity && this.#error === undefined) {
      await new Promise<void>((r) => {
        this.#wakeProducer = r;
      });
    }
    if (this.#error !== undefined) throw this.#error;
    if (this.#ended) throw new Error("channel already ended");
    this.#items.push(item);
    this.#wake();
  }

  /** No more items: the consumer finishes after draining. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** Stops both sides with `error` (pending and future pushes reject with it). */
  fail(error: unknown): void {
    this.#error ??= error;
    this.#wake();
  }

  #wake(): void {
    const c = this.#wakeConsumer;
    const p = this.#wakeProducer;
    this.#wakeConsumer = undefined;
    this.#wakeProducer = undefined;
    c?.();
    p?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      const item = this.#items.shift();
      if (item !== undefined) {
        this.#wake();
        yield item;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => {
        this.#wakeConsumer = r;
      });
    }
  }
}

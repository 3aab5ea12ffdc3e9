/** A counting semaphore: at most `limit` tasks run at once; the rest wait in FIFO order. */
export class Limiter {
  readonly #limit: number;
  #running = 0;
  /**
   * Waiting tasks from `#head` on. Not `Array.shift`: an import queues a task per file, tens of
   * thousands at once, and shifting an array that long copies it each time.
   */
  #waiting: (() => void)[] = [];
  #head = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
    this.#limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      this.#next();
    }
  }

  /** Hands the slot of a finished task to the next waiting one, if any. */
  #next(): void {
    if (this.#head === this.#waiting.length) {
      this.#running--;
      return;
    }
    const next = this.#waiting[this.#head]!;
    this.#head++;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    next();
  }
}

/**
 * zstd compression of stored objects (chunks, directory closures). Each
 * object is one standalone zstd frame, made by a few long-lived compressor streams that are
 * reused frame after frame (`flush(ZSTD_e_end)` ends a frame and keeps the context): creating a
 * zstd context per object costs far more than compressing a small file, and the contexts'
 * memory made the garbage collector run constantly. Compression runs on libuv's thread pool,
 * so it overlaps hashing on the main thread.
 */
import { constants, createZstdCompress, type ZstdCompress } from "node:zlib";

/**
 * Level 1, not Tvix's 3: about twice as fast (1.2 GB/s on incompressible data, 0.9 GB/s on
 * text here) for output about 10% larger. Readers do not care which level wrote a frame.
 */
const LEVEL = 1;

class FrameCompressor {
  readonly #stream: ZstdCompress;
  #parts: Buffer[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  failed = false;

  constructor() {
    // Large output buffers: a chunk comes back in one piece, not sixteen.
    this.#stream = createZstdCompress({
      chunkSize: 1024 * 1024,
      params: { [constants.ZSTD_c_compressionLevel]: LEVEL },
    });
    this.#stream.on("data", (d: Buffer) => this.#parts.push(d));
    this.#stream.on("error", () => {
      this.failed = true;
    });
  }

  compress(data: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(
      () =>
        new Promise<Uint8Array>((resolve, reject) => {
          if (this.failed) return reject(new Error("zstd compressor failed"));
          this.#stream.write(data);
          this.#stream.flush(constants.ZSTD_e_end, () => {
            if (this.failed) return reject(new Error("zstd compression failed"));
            const parts = this.#parts;
            this.#parts = [];
            const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
            resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
          });
        }),
    );
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** Two streams: enough to keep both cores busy next to the main thread. */
const POOL_SIZE = 2;
const pool: FrameCompressor[] = [];
let turn = 0;

/** `data` as one zstd frame. */
export function zstdFrame(data: Uint8Array): Promise<Uint8Array> {
  const i = turn++ % POOL_SIZE;
  let c = pool[i];
  if (!c || c.failed) {
    c = new FrameCompressor();
    pool[i] = c;
  }
  return c.compress(data);
}

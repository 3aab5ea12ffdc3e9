/**
 * Streaming NAR reader: `readNar(source)` yields one event per node, in NAR order, validating
 * everything as it goes (see parser.ts). File contents are a stream of chunks on the `regular`
 * event; they are never buffered whole. A consumer may read them or not: unread contents are
 * skipped (and still validated) when the next event is requested. `parseNar(bytes)` parses a
 * whole in-memory NAR into a tree.
 */
import { NarError } from "./error.ts";
import { type NarParseEvent, NarParser, type NarParserOptions } from "./parser.ts";
import type { ChunkSource, NarDirectory, NarEntry, NarNode } from "./types.ts";

export type ReadNarOptions = Omit<NarParserOptions, "allowTrailing"> & {
  /** Ignore anything after the end of the root node instead of rejecting it (default false). */
  readonly allowTrailing?: boolean;
};

/** A node's path below the root, as raw name components (the root is `[]`). */
export type NarPath = readonly Uint8Array[];

export type NarEvent =
  | { readonly type: "directory-start"; readonly path: NarPath }
  | { readonly type: "directory-end"; readonly path: NarPath }
  | { readonly type: "symlink"; readonly path: NarPath; readonly target: Uint8Array }
  | {
      readonly type: "regular";
      readonly path: NarPath;
      readonly executable: boolean;
      readonly size: number;
      /** Offset of the first content byte in the NAR (as in `.ls` listings). */
      readonly narOffset: number;
      /**
       * The contents, readable once and only before the next event is requested. Chunks are
       * views of the source's chunks. The final bytes arrive only after the file's padding and
       * closing token have been verified.
       */
      readonly contents: AsyncIterable<Uint8Array>;
    };

function toIterator(
  source: ChunkSource | Uint8Array,
): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  if (Symbol.iterator in source) return source[Symbol.iterator]();
  throw new TypeError("readNar needs a Uint8Array or an (async) iterable of Uint8Array");
}

/**
 * Reads a NAR from a stream of chunks. Throws `NarError` (with the byte offset) on any invalid
 * input; errors of the source itself propagate unchanged.
 */
export async function* readNar(
  source: ChunkSource | Uint8Array,
  opts: ReadNarOptions = {},
): AsyncGenerator<NarEvent, void, undefined> {
  const parser = new NarParser(opts);
  const it = toIterator(source);
  let queue: NarParseEvent[] = [];
  let qi = 0;
  let ended = false;
  let busy = false;

  /** Feeds the next source chunk to the parser; false once the input (or the NAR) is over. */
  const pull = async (): Promise<boolean> => {
    if (ended) return false;
    if (busy) throw new NarError("misuse", "NAR reader used concurrently");
    busy = true;
    try {
      for (;;) {
        if (parser.done && opts.allowTrailing) {
          ended = true;
          return false;
        }
        const r = await it.next();
        if (r.done) {
          ended = true;
          parser.end();
          return false;
        }
        if (!(r.value instanceof Uint8Array))
          throw new TypeError("NAR source yielded something other than a Uint8Array");
        queue = [];
        qi = 0;
        parser.push(r.value, queue);
        if (queue.length > 0) return true;
      }
    } finally {
      busy = false;
    }
  };

  const next = async (): Promise<NarParseEvent | undefined> => {
    while (qi >= queue.length) if (!(await pull())) return undefined;
    return queue[qi++];
  };

  const path: Uint8Array[] = [];
  /** Generation counter: contents streams expire when the reader moves on. */
  let generation = 0;
  let inFile = false;
  let finished = false;
  try {
    for (;;) {
      const ev = await next();
      if (ev === undefined) {
        finished = true;
        return;
      }
      switch (ev.kind) {
        case "directory-start":
          if (ev.name) path.push(ev.name);
          yield { type: "directory-start", path: path.slice() };
          break;
        case "directory-end": {
          const p = path.slice();
          path.pop();
          yield { type: "directory-end", path: p };
          break;
        }
        case "symlink": {
          const p = ev.name ? [...path, ev.name] : path.slice();
          yield { type: "symlink", path: p, target: ev.target };
          break;
        }
        case "file": {
          const p = ev.name ? [...path, ev.name] : path.slice();
          const gen = ++generation;
          inFile = true;
          let used = false;
          const contents: AsyncIterable<Uint8Array> = {
            [Symbol.asyncIterator]() {
              if (used) throw new NarError("misuse", "file contents can be read only once");
              used = true;
              return {
                async next(): Promise<IteratorResult<Uint8Array>> {
                  if (gen !== generation)
                    throw new NarError(
                      "misuse",
                      "file contents read after the reader moved to the next event",
                    );
                  if (!inFile) return { done: true, value: undefined };
                  for (;;) {
                    const d = await next();
                    if (d === undefined) throw new NarError("truncated", "NAR ended inside a file");
                    if (d.kind === "data") return { done: false, value: d.bytes };
                    if (d.kind === "file-end") {
                      inFile = false;
                      return { done: true, value: undefined };
                    }
                    throw new Error(`NAR reader: unexpected ${d.kind} inside a file`);
                  }
                },
                async return(): Promise<IteratorResult<Uint8Array>> {
                  return { done: true, value: undefined };
                },
              };
            },
          };
          yield {
            type: "regular",
            path: p,
            executable: ev.executable,
            size: ev.size,
            narOffset: ev.narOffset,
            contents,
          };
          generation++;
          // Skip whatever the consumer did not read.
          while (inFile) {
            const d = await next();
            if (d === undefined) throw new NarError("truncated", "NAR ended inside a file");
            if (d.kind === "file-end") inFile = false;
          }
          break;
        }
        case "data":
        case "file-end":
          throw new Error(`NAR reader: unexpected ${ev.kind} outside a file`);
      }
    }
  } finally {
    if (!finished) await it.return?.();
  }
}

/** Renders a `NarPath` for display (`/` for the root; names decoded leniently as UTF-8). */
export function formatNarPath(path: NarPath): string {
  if (path.length === 0) return "/";
  const dec = new TextDecoder();
  return path.map((p) => dec.decode(p)).join("/");
}

/** Parses a whole NAR held in memory into a tree (meant for small NARs). */
export function parseNar(nar: Uint8Array, opts: ReadNarOptions = {}): NarNode {
  const parser = new NarParser(opts);
  const events: NarParseEvent[] = [];
  parser.push(nar, events);
  parser.end();
  type Dir = { entries: NarEntry[] };
  const stack: { dir: Dir; name: Uint8Array | undefined }[] = [];
  let root: NarNode | undefined;
  const place = (name: Uint8Array | undefined, node: NarNode) => {
    const top = stack[stack.length - 1];
    if (top && name) top.dir.entries.push({ name, node });
    else root = node;
  };
  let file: { name: Uint8Array | undefined; executable: boolean; parts: Uint8Array[] } | undefined;
  for (const ev of events) {
    switch (ev.kind) {
      case "directory-start":
        stack.push({ dir: { entries: [] }, name: ev.name });
        break;
      case "directory-end": {
        const d = stack.pop()!;
        const node: NarDirectory = { type: "directory", entries: d.dir.entries };
        place(d.name, node);
        break;
      }
      case "symlink":
        place(ev.name, { type: "symlink", target: ev.target });
        break;
      case "file":
        file = { name: ev.name, executable: ev.executable, parts: [] };
        break;
      case "data":
        file!.parts.push(ev.bytes);
        break;
      case "file-end": {
        const f = file!;
        let contents: Uint8Array;
        if (f.parts.length === 1) contents = new Uint8Array(f.parts[0]!);
        else {
          let n = 0;
          for (const p of f.parts) n += p.length;
          contents = new Uint8Array(n);
          let o = 0;
          for (const p of f.parts) {
            contents.set(p, o);
            o += p.length;
          }
        }
        place(f.name, { type: "regular", executable: f.executable, contents });
        file = undefined;
        break;
      }
    }
  }
  return root!;
}

/**
 * KnownPaths: what one evaluation has computed and may need again (eval-glue.md §5.3).
 * - derivations by `.drv` path: output names, hash modulo (for dependants), references (for the
 *   closure of `drvPath` contexts) and, when the evaluation persists, the ATerm to write;
 * - which derivation produces each output path (for `tvix build` later);
 * - fetches whose store path was computed without downloading (lazy fetching);
 * - local paths imported as sources and `toFile` texts, so that reading them back needs no store.
 */
import type { Fetch } from "../protocol.ts";

export interface KnownDerivation {
  readonly name: string;
  readonly outputs: readonly string[];
  /** The paths of the outputs that have one (not deferred/floating), in `outputs` order. */
  readonly outputPaths: readonly string[];
  /** Lowercase hex of the hash modulo, or "deferred" (what a `HashModuloLookup` returns). */
  readonly hashModulo: string;
  /** Sorted references of the `.drv` file (input sources and input derivations). */
  readonly references: readonly string[];
  /** The `.drv` file, kept only when the evaluation persists its results. */
  readonly aterm: Uint8Array | undefined;
}

/** A local path imported into the store (coercion, `builtins.path`, `filterSource`). */
export interface LocalImport {
  readonly source: string;
  /** Absolute paths below `source` that the filter rejected (with everything below them). */
  readonly excluded: ReadonlySet<string>;
  /** `recursive = false`: the store object is the file itself, flat-hashed. */
  readonly flat: boolean;
}

export interface KnownText {
  readonly contents: string;
  readonly references: readonly string[];
}

export class KnownPaths {
  readonly derivations = new Map<string, KnownDerivation>();
  /** Output path → `.drv` path, indexed on first use (see `producerOf`). */
  readonly #producers = new Map<string, string>();
  /** `.drv` paths in the order they became known; those from #indexed on are not indexed yet. */
  readonly #order: string[] = [];
  #indexed = 0;
  readonly fetches = new Map<string, Fetch>();
  /** Fetches already downloaded into the store during this evaluation. */
  readonly fetched = new Set<string>();
  readonly imports = new Map<string, LocalImport>();
  readonly texts = new Map<string, KnownText>();

  addDerivation(drvPath: string, d: KnownDerivation): void {
    this.derivations.set(drvPath, d);
    this.#order.push(drvPath);
  }

  /**
   * The derivation that produces `outputPath`, if this evaluation knows it (the first one
   * recorded wins). Only reads of store paths ask, so the index is built then, not for each of
   * the tens of thousands of derivations a package set creates.
   */
  producerOf(outputPath: string): string | undefined {
    for (; this.#indexed < this.#order.length; this.#indexed++) {
      const drvPath = this.#order[this.#indexed]!;
      for (const p of this.derivations.get(drvPath)!.outputPaths)
        if (!this.#producers.has(p)) this.#producers.set(p, drvPath);
    }
    return this.#producers.get(outputPath);
  }

  /** References of a store path this evaluation knows, or undefined. */
  references(storePath: string): readonly string[] | undefined {
    const d = this.derivations.get(storePath);
    if (d !== undefined) return d.references;
    const t = this.texts.get(storePath);
    if (t !== undefined) return t.references;
    if (this.imports.has(storePath) || this.fetches.has(storePath)) return [];
    return undefined;
  }
}

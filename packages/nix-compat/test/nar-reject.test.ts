/**
 * Everything spec §3.2 says a reader must reject, built by hand, through both the synchronous
 * parser (`parseNar`) and the streaming reader fed one byte at a time; plus what the writer
 * refuses to write.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  listNar,
  NarError,
  type NarErrorCode,
  type NarNodeInput,
  parseListing,
  parseNar,
  readNar,
  writeNar,
  writeNarSync,
} from "../src/index.ts";
import { bytes, cat, collect, nar, narOfRoot, split, str, tok, u64 } from "./helpers/nar.ts";

function isNarError(code: NarErrorCode, offset?: number) {
  return (e: unknown) => {
    assert.ok(e instanceof NarError, `expected NarError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return true;
  };
}

async function drain(src: Iterable<Uint8Array> | Uint8Array, opts = {}): Promise<void> {
  for await (const ev of readNar(src, opts)) if (ev.type === "regular") await collect(ev.contents);
}

/** Asserts rejection by parseNar, by the streaming reader (whole and byte by byte), by listNar. */
async function rejects(b: Uint8Array, code: NarErrorCode, offset?: number, opts = {}) {
  assert.throws(() => parseNar(b, opts), isNarError(code, offset));
  await assert.rejects(drain(b, opts), isNarError(code, offset));
  await assert.rejects(drain(split(b, [...b.keys()]), opts), isNarError(code, offset));
  await assert.rejects(listNar(b, opts), isNarError(code, offset));
}

const dir = (...entries: (string | Uint8Array)[][]) =>
  narOfRoot(["directory", ...entries.flat(), ")"]);
const file = (c = "x") => tok.file(c);

describe("NAR reader rejects (spec §3.2)", () => {
  it("accepts the well-formed baselines", () => {
    parseNar(narOfRoot(tok.file("hello")));
    parseNar(dir(tok.entry("a", file()), tok.entry("b", tok.symlink("a"))));
  });

  describe("tokens must match exactly", () => {
    it("bad magic", () => rejects(nar("nix-archive-2", "(", "type", ...file()), "bad-magic", 0));
    it("empty input", () => rejects(new Uint8Array(0), "truncated", 0));
    it("short garbage", () => rejects(bytes("hello"), "truncated"));
    it("huge first length", () => rejects(cat(u64(2n ** 60n), new Uint8Array(8)), "bad-magic", 0));
    it("'(' misspelled", () =>
      rejects(nar("nix-archive-1", "[", "type", ...file()), "unexpected-token", 24));
    it("'type' misspelled", () =>
      rejects(nar("nix-archive-1", "(", "Type", ...file()), "unexpected-token", 40));
    it("unknown node type", () => rejects(narOfRoot(["fifo", ")"]), "unexpected-token", 56));
    it("'contents' misspelled", () =>
      rejects(narOfRoot(["regular", "content", str("x"), ")"]), "unexpected-token"));
    it("'target' misspelled", () =>
      rejects(narOfRoot(["symlink", "targets", str("x"), ")"]), "unexpected-token"));
    it("'entry' misspelled", () =>
      rejects(narOfRoot(["directory", "entri", ")"]), "unexpected-token"));
    it("'node' missing", () =>
      rejects(
        narOfRoot(["directory", "entry", "(", "name", str("a"), "(", "type", ...file(), ")", ")"]),
        "unexpected-token",
      ));
    it("')' missing after a file", () =>
      rejects(narOfRoot(["regular", "contents", str("x"), "entry"]), "unexpected-token"));
    it("a token with a length 2^60", () =>
      rejects(cat(nar("nix-archive-1", "("), u64(2n ** 60n)), "unexpected-token", 40));
    it("a token of the right bytes but wrong length ('(' with length 2)", () =>
      rejects(
        cat(nar("nix-archive-1"), u64(2), bytes("(\0"), new Uint8Array(6), nar("type", ...file())),
        "unexpected-token",
        24,
      ));
    it("'executable' twice", () =>
      rejects(
        narOfRoot(["regular", "executable", "", "executable", "", "contents", str(""), ")"]),
        "unexpected-token",
      ));
    it("the executable marker must be empty", () =>
      rejects(
        narOfRoot(["regular", "executable", "x", "contents", str(""), ")"]),
        "unexpected-token",
      ));
  });

  describe("entry names", () => {
    it("empty", () => rejects(dir(tok.entry("", file())), "invalid-name"));
    it("'.'", () => rejects(dir(tok.entry(".", file())), "invalid-name"));
    it("'..'", () => rejects(dir(tok.entry("..", file())), "invalid-name"));
    it("contains '/'", () => rejects(dir(tok.entry("a/b", file())), "invalid-name"));
    it("contains NUL", () => rejects(dir(tok.entry("a\0b", file())), "invalid-name"));
    it("255 bytes is fine, 256 is not", async () => {
      parseNar(dir(tok.entry("n".repeat(255), file())));
      await rejects(dir(tok.entry("n".repeat(256), file())), "unexpected-token");
    });
    it("'...' and '.a' are fine", () => {
      parseNar(dir(tok.entry("...", file()), tok.entry(".a", file())));
    });
    it("duplicates", () =>
      rejects(dir(tok.entry("a", file()), tok.entry("a", file())), "unsorted-names"));
    it("unsorted", () =>
      rejects(dir(tok.entry("b", file()), tok.entry("a", file())), "unsorted-names"));
    it("bytewise order: 'B' < 'a', '.keep' < 'aa' < 'keep'", async () => {
      parseNar(dir(tok.entry("B", file()), tok.entry("a", file())));
      parseNar(dir(tok.entry(".keep", file()), tok.entry("aa", file()), tok.entry("keep", file())));
      await rejects(dir(tok.entry("a", file()), tok.entry("B", file())), "unsorted-names");
      await rejects(dir(tok.entry("ab", file()), tok.entry("a", file())), "unsorted-names");
    });
    it("order is per directory", () => {
      parseNar(
        dir(tok.entry("b", ["directory", ...tok.entry("a", file()), ")"]), tok.entry("c", file())),
      );
    });
  });

  describe("symlink targets", () => {
    it("empty", () => rejects(narOfRoot(tok.symlink("")), "invalid-target"));
    it("contains NUL", () => rejects(narOfRoot(tok.symlink("a\0b")), "invalid-target"));
    it("4095 bytes is fine, 4096 is not", async () => {
      parseNar(narOfRoot(tok.symlink("t".repeat(4095))));
      await rejects(narOfRoot(tok.symlink("t".repeat(4096))), "unexpected-token");
    });
  });

  describe("padding must be zero", () => {
    const withPad = (b: Uint8Array, at: number) => {
      const c = b.slice();
      c[at] = 1;
      return c;
    };
    it("in a token", () => rejects(withPad(narOfRoot(file()), 8 + 13), "bad-padding", 21));
    it("in file contents", () => {
      const b = narOfRoot(tok.file("abc"));
      // contents at 56 + 32 (regular, contents) + 8 (size): 3 bytes, then 5 padding bytes.
      return rejects(withPad(b, 96 + 3), "bad-padding", 99);
    });
    it("in a name", () => {
      const b = dir(tok.entry("abc", file()));
      const at = b.indexOf(0x63, 80) + 1; // just after "abc"
      return rejects(withPad(b, at), "bad-padding", at);
    });
    it("in a symlink target", () => {
      const b = narOfRoot(tok.symlink("abc"));
      return rejects(withPad(b, 56 + 32 + 8 + 3), "bad-padding", 99);
    });
  });

  describe("structure", () => {
    it("trailing data after the root node", async () => {
      const b = cat(narOfRoot(file()), new Uint8Array(8));
      await rejects(b, "trailing-data", b.length - 8);
      // ...unless the caller asks to ignore it.
      parseNar(b, { allowTrailing: true });
      await drain(split(b, [...b.keys()]), { allowTrailing: true });
    });
    it("a second root node", () =>
      rejects(cat(narOfRoot(file()), narOfRoot(file())), "trailing-data"));
    it("file size 2^60 is refused without allocating", () =>
      rejects(cat(narOfRoot(["regular", "contents"]), u64(2n ** 60n)), "too-large"));
    it("file size beyond the input is truncation", () =>
      rejects(cat(narOfRoot(["regular", "contents"]), u64(1e12), bytes("abc")), "truncated"));
    it("every truncation of a valid NAR is rejected as truncated", async () => {
      const b = dir(
        tok.entry("a", tok.file("hello")),
        tok.entry("b", ["directory", ")"]),
        tok.entry("c", tok.symlink("a")),
      );
      parseNar(b);
      for (let n = 0; n < b.length; n++) {
        assert.throws(() => parseNar(b.subarray(0, n)), isNarError("truncated", n));
        await assert.rejects(drain(split(b.subarray(0, n), [n >> 1])), isNarError("truncated", n));
      }
    });
  });

  describe("nesting depth (current CppNix: 64)", () => {
    const nested = (depth: number) => {
      let node: (string | Uint8Array)[] = file();
      for (let i = 0; i < depth; i++) node = ["directory", ...tok.entry("d", node), ")"];
      return narOfRoot(node);
    };
    it("a file 63 levels down is fine, 64 is too deep", async () => {
      parseNar(nested(63));
      await rejects(nested(64), "too-deep");
    });
    it("the limit is configurable", async () => {
      parseNar(nested(200), { maxDepth: 1000 });
      await rejects(nested(3), "too-deep", undefined, { maxDepth: 3 });
      parseNar(nested(2), { maxDepth: 3 });
    });
  });

  describe("file contents are withheld until the trailer is verified", () => {
    const data = "0123456789abcdefghij"; // 20 bytes, 4 padding
    const good = narOfRoot(tok.file(data));
    const badPad = good.slice();
    badPad[96 + 20] = 7;
    const badClose = cat(good.subarray(0, good.length - 16), str("("));
    for (const [what, b] of [
      ["non-zero padding", badPad],
      ["wrong closing token", badClose],
    ] as const) {
      for (const step of [1, 5, 8, 19, 1000]) {
        it(`${what}, chunks of ${step}`, async () => {
          const cuts = [];
          for (let i = step; i < b.length; i += step) cuts.push(i);
          let seen = 0;
          await assert.rejects(
            (async () => {
              for await (const ev of readNar(split(b, cuts)))
                if (ev.type === "regular") for await (const c of ev.contents) seen += c.length;
            })(),
            NarError,
          );
          assert.ok(seen < data.length, `saw ${seen} of ${data.length} bytes`);
        });
      }
    }
    it("a good file is delivered completely", async () => {
      for (const step of [1, 3, 8, 100]) {
        const cuts = [];
        for (let i = step; i < good.length; i += step) cuts.push(i);
        for await (const ev of readNar(split(good, cuts)))
          if (ev.type === "regular")
            assert.equal(new TextDecoder().decode(await collect(ev.contents)), data);
      }
    });
  });

  describe("reader usage", () => {
    it("unread contents are skipped", async () => {
      const b = dir(tok.entry("a", tok.file("hello")), tok.entry("b", tok.file("world")));
      const types = [];
      for await (const ev of readNar(split(b, [100, 200, 300]))) types.push(ev.type);
      assert.deepEqual(types, ["directory-start", "regular", "regular", "directory-end"]);
    });
    it("contents cannot be read after moving on, or twice", async () => {
      const b = dir(tok.entry("a", tok.file("hello")), tok.entry("b", tok.file("world")));
      let first: AsyncIterable<Uint8Array> | undefined;
      for await (const ev of readNar(b)) {
        if (ev.type === "regular" && !first) {
          first = ev.contents;
          await collect(ev.contents);
          assert.throws(() => ev.contents[Symbol.asyncIterator](), isNarError("misuse"));
        }
      }
    });
    it("a source yielding something else is a TypeError", async () => {
      await assert.rejects(drain(["nope" as unknown as Uint8Array]), TypeError);
    });
  });
});

describe("NAR listing parser rejects", () => {
  it("nesting deeper than it can recurse, with a NarError (not a stack overflow)", () => {
    const open = '{"type":"directory","entries":{"d":';
    const deep = (n: number) =>
      `{"version":1,"root":${open.repeat(n)}{"type":"symlink","target":"x"}${"}}".repeat(n)}}`;
    assert.equal(parseListing(deep(500)).version, 1);
    for (const n of [513, 3000, 100_000]) {
      assert.throws(
        () => parseListing(deep(n)),
        (e) => e instanceof NarError && e.code === "invalid-listing",
      );
    }
  });
});

describe("NAR writer rejects", () => {
  const f = (contents = "x"): NarNodeInput => ({ type: "regular", contents: bytes(contents) });
  const d = (...names: (string | Uint8Array)[]): NarNodeInput => ({
    type: "directory",
    entries: names.map((name) => ({ name, node: f() })),
  });
  const writes = async (n: NarNodeInput, code: NarErrorCode, opts = {}) => {
    assert.throws(() => writeNarSync(n, opts), isNarError(code));
    await assert.rejects(collect(writeNar(n, opts)), isNarError(code));
  };
  it("invalid names", async () => {
    for (const bad of ["", ".", "..", "a/b", "a\0b", "x".repeat(256)])
      await writes(d(bad), "invalid-name");
  });
  it("duplicate names (also between string and bytes)", async () => {
    await writes(d("a", "b", "a"), "invalid-name");
    await writes(d("é", new TextEncoder().encode("é")), "invalid-name");
  });
  it("invalid symlink targets", async () => {
    for (const t of ["", "a\0", "t".repeat(4096)])
      await writes({ type: "symlink", target: t }, "invalid-target");
  });
  it("contents that differ from the declared size", async () => {
    await writes({ type: "regular", size: 2, contents: bytes("abc") }, "size-mismatch");
    await writes(
      { type: "regular", size: 4, contents: () => [bytes("ab"), bytes("c")] },
      "size-mismatch",
    );
    await writes(
      { type: "regular", size: 2, contents: () => [bytes("ab"), bytes("c")] },
      "size-mismatch",
    );
    await writes(
      {
        type: "regular",
        size: 4,
        contents: () => ({
          readInto: (b: Uint8Array, pos: number) => {
            if (pos >= 2) return 0;
            b.set(bytes("ab").subarray(pos, pos + Math.min(2 - pos, b.length)));
            return Math.min(2 - pos, b.length);
          },
        }),
      },
      "size-mismatch",
    );
    await assert.rejects(
      collect(
        writeNar({
          type: "regular",
          size: 4,
          contents: async function* () {
            yield bytes("abcde");
          },
        }),
      ),
      isNarError("size-mismatch"),
    );
  });
  it("contents without a size, and bad sizes", async () => {
    await writes({ type: "regular", contents: () => [] } as never, "invalid-node");
    await writes({ type: "regular", size: -1, contents: bytes("") }, "invalid-node");
    await writes({ type: "regular", size: 2 ** 60, contents: bytes("") }, "invalid-node");
    await writes({ type: "regular", size: 2n ** 60n, contents: bytes("") }, "too-large");
  });
  it("things that are not nodes", async () => {
    await writes({ type: "fifo" } as never, "invalid-node");
    await writes({ type: "directory", entries: [null] } as never, "invalid-node");
    await writes({ type: "directory", entries: 5 } as never, "invalid-node");
  });
  it("nesting beyond maxDepth, when asked", async () => {
    const deep: NarNodeInput = {
      type: "directory",
      entries: [{ name: "a", node: { type: "directory", entries: [{ name: "b", node: f() }] } }],
    };
    await writes(deep, "too-deep", { maxDepth: 2 });
    writeNarSync(deep, { maxDepth: 3 });
  });
  it("writeNarSync refuses asynchronous trees", () => {
    assert.throws(
      () => writeNarSync({ type: "regular", size: 1, contents: async () => bytes("a") }),
      isNarError("misuse"),
    );
    assert.throws(
      () => writeNarSync({ type: "directory", entries: (async function* () {})() }),
      isNarError("misuse"),
    );
  });
  it("errors of a content source propagate unchanged", async () => {
    const boom = new Error("boom");
    await assert.rejects(
      collect(
        writeNar({
          type: "regular",
          size: 1,
          contents: async function* () {
            yield bytes("");
            throw boom;
          },
        }),
      ),
      (e) => e === boom,
    );
  });
});

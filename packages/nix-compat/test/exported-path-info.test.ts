import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ExportedPathInfoError,
  formatExportedPathInfos,
  parseExportedPathInfos,
  toHex,
} from "../src/index.ts";

// From Tvix's path_info.rs test: exportReferencesGraph output for pkgs.hello (Nix 2.3 style).
const HELLO_GRAPH =
  '[{"closureSize":1828984,"narHash":"sha256:11vm2x1ajhzsrzw7lsyss51mmr3b6yll9wdjn51bh7liwkpc8ila","narSize":1828984,"path":"/nix/store/7n0mbqydcipkpbxm24fab066lxk68aqk-libunistring-1.1","references":["/nix/store/7n0mbqydcipkpbxm24fab066lxk68aqk-libunistring-1.1"]},{"closureSize":32696176,"narHash":"sha256:0alzbhjxdcsmr1pk7z0bdh46r2xpq3xs3k9y82bi4bx5pklcvw5x","narSize":226560,"path":"/nix/store/dbghhbq1x39yxgkv3vkgfwbxrmw9nfzi-hello-2.12.1","references":["/nix/store/dbghhbq1x39yxgkv3vkgfwbxrmw9nfzi-hello-2.12.1","/nix/store/ddwyrxif62r8n6xclvskjyy6szdhvj60-glibc-2.39-5"]},{"closureSize":32469616,"narHash":"sha256:1zw5p05fh0k836ybfxkskv8apcv2m3pm2wa6y90wqn5w5kjyj13c","narSize":30119936,"path":"/nix/store/ddwyrxif62r8n6xclvskjyy6szdhvj60-glibc-2.39-5","references":["/nix/store/ddwyrxif62r8n6xclvskjyy6szdhvj60-glibc-2.39-5","/nix/store/rxganm4ibf31qngal3j3psp20mak37yy-xgcc-13.2.0-libgcc","/nix/store/s32cldbh9pfzd9z82izi12mdlrw0yf8q-libidn2-2.3.7"]},{"closureSize":159560,"narHash":"sha256:10q8iyvfmpfck3yiisnj1j8vp6lq3km17r26sr95zpdf9mgmk69s","narSize":159560,"path":"/nix/store/rxganm4ibf31qngal3j3psp20mak37yy-xgcc-13.2.0-libgcc","references":[]},{"closureSize":2190120,"narHash":"sha256:1cv997nzxbd91jhmzwnhxa1ahlzp5ffli8m4a5npcq8zg0vb1kwg","narSize":361136,"path":"/nix/store/s32cldbh9pfzd9z82izi12mdlrw0yf8q-libidn2-2.3.7","references":["/nix/store/7n0mbqydcipkpbxm24fab066lxk68aqk-libunistring-1.1","/nix/store/s32cldbh9pfzd9z82izi12mdlrw0yf8q-libidn2-2.3.7"]}]';

describe("ExportedPathInfo (spec §4.4)", () => {
  it("round-trips Nix's exportReferencesGraph JSON", () => {
    const infos = parseExportedPathInfos(HELLO_GRAPH);
    assert.equal(infos.length, 5);
    const first = infos[0]!;
    assert.equal(first.closureSize, 1828984);
    assert.equal(
      toHex(first.narHash.digest),
      "8a46c4eee4911eb842b1b2f144a9376be45a43d1da6b7af8cffa43a942177587",
    );
    assert.equal(first.path.baseName, "7n0mbqydcipkpbxm24fab066lxk68aqk-libunistring-1.1");
    assert.deepEqual(
      first.references.map((r) => r.baseName),
      [first.path.baseName],
    );
    assert.equal(formatExportedPathInfos(infos), HELLO_GRAPH);
  });
  it("sorts paths and references, drops duplicate references, ignores unknown keys", () => {
    const infos = parseExportedPathInfos(HELLO_GRAPH);
    const shuffled = [...infos].reverse().map((i) => ({
      ...i,
      references: [...i.references, ...i.references].reverse(),
    }));
    assert.equal(formatExportedPathInfos(shuffled), HELLO_GRAPH);
    const withValid = JSON.parse(HELLO_GRAPH).map((o: object) => ({ ...o, valid: true }));
    assert.equal(
      formatExportedPathInfos(parseExportedPathInfos(JSON.stringify(withValid))),
      HELLO_GRAPH,
    );
    assert.equal(formatExportedPathInfos(parseExportedPathInfos(withValid)), HELLO_GRAPH);
  });
  it("accepts the NAR hash as SRI too", () => {
    const v = JSON.parse(HELLO_GRAPH);
    v[0].narHash = "sha256-ikbE7uSRHrhCsbLxRKk3a+RaQ9Haa3r4z/pDqUIXdYc=";
    assert.equal(formatExportedPathInfos(parseExportedPathInfos(v)), HELLO_GRAPH);
  });
  const mutate = (f: (o: Record<string, unknown>) => void) => {
    const v = JSON.parse(HELLO_GRAPH);
    f(v[1]);
    return JSON.stringify(v);
  };
  const bad: [string, string, RegExp][] = [
    ["not JSON", "[", /does not parse/],
    ["not an array", "{}", /expected an array/],
    ["an item that is not an object", "[1]", /#0: expected an object/],
    ["a missing field", mutate((o) => delete o.closureSize), /#1: missing field 'closureSize'/],
    [
      "a negative size",
      mutate((o) => {
        o.narSize = -1;
      }),
      /#1 narSize/,
    ],
    [
      "a fractional size",
      mutate((o) => {
        o.closureSize = 1.5;
      }),
      /#1 closureSize/,
    ],
    [
      "an unsafe size",
      mutate((o) => {
        o.narSize = 2 ** 60;
      }),
      /#1 narSize/,
    ],
    [
      "a sha1 hash",
      mutate((o) => {
        o.narHash = "sha1:f4l2674zz2ajy12zgplh8m6f13kbvxrf";
      }),
      /sha256/,
    ],
    [
      "a bad hash",
      mutate((o) => {
        o.narHash = "sha256:xyz";
      }),
      /#1 narHash/,
    ],
    [
      "a relative path",
      mutate((o) => {
        o.path = "dbghhbq1x39yxgkv3vkgfwbxrmw9nfzi-hello";
      }),
      /#1 path/,
    ],
    [
      "a bad reference",
      mutate((o) => {
        o.references = [7];
      }),
      /#1 reference #0/,
    ],
    [
      "references not a list",
      mutate((o) => {
        o.references = "x";
      }),
      /#1 references/,
    ],
  ];
  for (const [what, json, msg] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => parseExportedPathInfos(json),
        (e: unknown) => {
          assert.ok(e instanceof ExportedPathInfoError, String(e));
          assert.match((e as Error).message, msg);
          return true;
        },
      );
    });
  }
});

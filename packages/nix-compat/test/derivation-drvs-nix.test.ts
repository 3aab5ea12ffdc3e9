/**
 * Spec §9.2: the Nix 2.8 `drvs.nix` table, rebuilt from scratch the way the evaluator builds
 * derivations (attributes → env/args/outputs/inputs → finalizeDerivation), checking drv paths,
 * output paths, masked and unmasked hashDerivationModulo and the exact ATerms.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  fromHex,
  hashDerivationModulo,
  latin1Decode,
  printDerivationString,
  toHex,
} from "../src/index.ts";
import { type DrvResult, NixWorld, S, type Val } from "./helpers/derivation-strict.ts";

const sh: [string, Val][] = [
  ["builder", S("/bin/sh")],
  ["system", S("x86_64-linux")],
];
const helloTxt = {
  name: "hello.txt",
  narSha256: fromHex("03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040")!,
  nixPath: "./hello.txt",
};

function build(): Record<string, DrvResult> {
  const w = new NixWorld();
  const simple = w.derivation([
    ["name", S("simple")],
    ...sh,
    ["args", { list: [S("-c"), S("echo hello > $out")] }],
  ]);
  const multi = w.derivation([
    ["name", S("multi")],
    ...sh,
    ["outputs", { list: [S("out"), S("dev"), S("lib")] }],
    ["args", { list: [S("-c"), S("echo > $out; echo > $dev; echo > $lib")] }],
  ]);
  const fodFlat = w.derivation([
    ["name", S("hello.txt")],
    ...sh,
    ["outputHashMode", S("flat")],
    ["outputHashAlgo", S("sha256")],
    ["outputHash", S("7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069")],
  ]);
  const fodRec = w.derivation([
    ["name", S("hello.txt")],
    ...sh,
    ["outputHashMode", S("recursive")],
    ["outputHash", S("sha256-A+f2O+MLBl14vPYV9Uc1Rf2062mqQW9DSVtOBc37gEA=")],
  ]);
  const fodSha1 = w.derivation([
    ["name", S("bar")],
    ["builder", S(":")],
    ["system", S(":")],
    ["outputHashMode", S("recursive")],
    ["outputHashAlgo", S("sha1")],
    ["outputHash", S("0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33")],
  ]);
  const foo = w.toFile("foo", S("bar"));
  const dep = w.derivation([
    ["name", S("dep")],
    ...sh,
    [
      "args",
      {
        list: [
          S("-c"),
          S(
            "cat ",
            { drv: simple },
            " ",
            { drv: fodFlat },
            " ",
            { src: helloTxt },
            " ",
            { drv: multi, output: "dev" },
            " > $out",
          ),
        ],
      },
    ],
    ["txt", S({ file: foo })],
  ]);
  const escapes = w.derivation([
    ["name", S("escapes")],
    ...sh,
    ['quo"te', S('a"b\\c\nd\re\tf$g')],
    ["args", { list: [S("tab\there")] }],
  ]);
  const sa = w.derivation([
    ["name", S("sa")],
    ...sh,
    ["__structuredAttrs", { bool: true }],
    ["outputs", { list: [S("out"), S("bin")] }],
    ["list", { list: [{ int: 1 }, { int: 2 }, S("three")] }],
    ["nested", { attrs: [["attr", { bool: true }]] }],
  ]);
  const ph = w.derivation([
    ["name", S("ph")],
    ...sh,
    ["args", { list: [S("-c"), S("echo ", { placeholder: "out" })] }],
  ]);
  return { simple, multi, fodFlat, fodRec, fodSha1, dep, escapes, sa, ph };
}

const table: Record<
  string,
  { drv: string; outs: Record<string, string>; masked: string; unmasked: string }
> = {
  simple: {
    drv: "3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple.drv",
    outs: { out: "94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple" },
    masked: "cbd84a88dac33c14a874f676ab17db2518d565dc03e891ccf9d4be35138ea813",
    unmasked: "d00ef3a220516efccd495b796868b4e1653f864d80d1026c4204f63d63a5845b",
  },
  multi: {
    drv: "x03bvhcivl4l9hhpfnc0s94gy8m294n1-multi.drv",
    outs: {
      dev: "8ssfg4irhjbgvga7l7z3qfxcvimy7204-multi-dev",
      lib: "qgvw2n3vm3y949idvb5jrawbrlx591xj-multi-lib",
      out: "0kbrvign8g4zbbzdlfsl33b3f7dmvk8p-multi",
    },
    masked: "f42c48437c04493c1e2e8cb5c72fe2b05a0a79010454185f8453af5f8437ef79",
    unmasked: "9e257e22b496fc28749b926985a5f24af94d3d02fd7a1c351fa970c15c3286ef",
  },
  fodFlat: {
    drv: "ka0fclr06m7qsz6qxjs6a22csnqsm19f-hello.txt.drv",
    outs: { out: "z304n4ccbya3lf8bq20sl2zhmzd3lx1a-hello.txt" },
    masked: "35b8e1472f251bbc91054d09023f379a64fe294ec5393eec5fcb7532532cd37c",
    unmasked: "35b8e1472f251bbc91054d09023f379a64fe294ec5393eec5fcb7532532cd37c",
  },
  fodRec: {
    drv: "k8z3kn3zikl836d6p5v8fc547v4l6zf7-hello.txt.drv",
    outs: { out: "925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt" },
    masked: "5163df720aaa354d54141e5c231d71ce579e95fce21024979a885cf2facbee20",
    unmasked: "5163df720aaa354d54141e5c231d71ce579e95fce21024979a885cf2facbee20",
  },
  fodSha1: {
    drv: "ss2p4wmxijn652haqyd7dckxwl4c7hxx-bar.drv",
    outs: { out: "mp57d33657rf34lzvlbpfa1gjfv5gmpg-bar" },
    masked: "c79aebd0ce3269393d4a1fde2cbd1d975d879b40f0bf40a48f550edc107fd5df",
    unmasked: "c79aebd0ce3269393d4a1fde2cbd1d975d879b40f0bf40a48f550edc107fd5df",
  },
  dep: {
    drv: "j0h0s9j1601syvw1yqq766ii4fmgvyqw-dep.drv",
    outs: { out: "pdc49glwqlxrrr48p2wjm6in2rpbqljl-dep" },
    masked: "97ef6061e774eea6fa365b65d7710baba089f0b09981b926d49d00f18b31b1c8",
    unmasked: "85396028ea59a7004faeff19508ffd24b7551ec3130f3c25c228e845bc4b3560",
  },
  escapes: {
    drv: "asqhqak74325049l63ardlnxnnqxf8am-escapes.drv",
    outs: { out: "v5ngnmjncwig9xgb8fql49das2vl2lp7-escapes" },
    masked: "fabcff88b6e0a6ec403d97ff1e1c8313b457f15ff0e3be25ae97b1d5cd24aa21",
    unmasked: "c651e04969f5d83c5b23333149e0b12d3950f72d2f8f2edbf1fa58edfcc30339",
  },
  sa: {
    drv: "bi59xyhffng9l20yw2qba47v5xvr1093-sa.drv",
    outs: {
      bin: "vghv2hfda3na9zjnqdgipfw1p00412yz-sa-bin",
      out: "rkqjm41q06ldjk3047hic0q89hkk8649-sa",
    },
    masked: "870b17287986accb3a93000ed81e3b98eee3dab1873d5cef018313bc274b158c",
    unmasked: "a8b439808397cf909da76172a38dbb1dee52b010e133d913409a116e6927fdac",
  },
  ph: {
    drv: "navdhp8z5b5z6xiv62xn20f1wkq8vcv0-ph.drv",
    outs: { out: "shqp2lfnckahgmfx519vg3xjxk4zmmgi-ph" },
    masked: "69199eaecdd79702822531f478fa68b24dfa3fce2c1ed47610abb0c35d3e5cdd",
    unmasked: "ecb026e89aadd6d80fb991539702292aec2184d3a0c547bc9685b917c05c9def",
  },
};

const aterms: Record<string, string> = {
  simple: `Derive([("out","/nix/store/94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo hello > $out"],[("builder","/bin/sh"),("name","simple"),("out","/nix/store/94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple"),("system","x86_64-linux")])`,
  fodRec: `Derive([("out","/nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt","r:sha256","03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040")],[],[],"x86_64-linux","/bin/sh",[],[("builder","/bin/sh"),("name","hello.txt"),("out","/nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt"),("outputHash","sha256-A+f2O+MLBl14vPYV9Uc1Rf2062mqQW9DSVtOBc37gEA="),("outputHashMode","recursive"),("system","x86_64-linux")])`,
  dep: `Derive([("out","/nix/store/pdc49glwqlxrrr48p2wjm6in2rpbqljl-dep","","")],[("/nix/store/3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple.drv",["out"]),("/nix/store/ka0fclr06m7qsz6qxjs6a22csnqsm19f-hello.txt.drv",["out"]),("/nix/store/x03bvhcivl4l9hhpfnc0s94gy8m294n1-multi.drv",["dev"])],["/nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt","/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"],"x86_64-linux","/bin/sh",["-c","cat /nix/store/94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple /nix/store/z304n4ccbya3lf8bq20sl2zhmzd3lx1a-hello.txt /nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt /nix/store/8ssfg4irhjbgvga7l7z3qfxcvimy7204-multi-dev > $out"],[("builder","/bin/sh"),("name","dep"),("out","/nix/store/pdc49glwqlxrrr48p2wjm6in2rpbqljl-dep"),("system","x86_64-linux"),("txt","/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo")])`,
  escapes: `Derive([("out","/nix/store/v5ngnmjncwig9xgb8fql49das2vl2lp7-escapes","","")],[],[],"x86_64-linux","/bin/sh",["tab\\there"],[("builder","/bin/sh"),("name","escapes"),("out","/nix/store/v5ngnmjncwig9xgb8fql49das2vl2lp7-escapes"),("quo\\"te","a\\"b\\\\c\\nd\\re\\tf$g"),("system","x86_64-linux")])`,
  ph: `Derive([("out","/nix/store/shqp2lfnckahgmfx519vg3xjxk4zmmgi-ph","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo /1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"],[("builder","/bin/sh"),("name","ph"),("out","/nix/store/shqp2lfnckahgmfx519vg3xjxk4zmmgi-ph"),("system","x86_64-linux")])`,
};

describe("drvs.nix (spec §9.2, Nix 2.8) rebuilt from scratch", () => {
  const built = build();
  const lookup = (p: string) => Object.values(built).find((r) => r.drvPath === p)?.hashModulo;
  for (const [attr, want] of Object.entries(table)) {
    it(`${attr}: drv path, output paths, hash modulo`, () => {
      const r = built[attr]!;
      assert.equal(r.drvPath, `/nix/store/${want.drv}`);
      for (const [o, p] of Object.entries(want.outs))
        assert.equal(r.outPaths.get(o), `/nix/store/${p}`);
      assert.deepEqual([...r.drv.outputs.keys()].sort(), Object.keys(want.outs).sort());
      assert.equal(toHex(hashDerivationModulo(r.drv, lookup, { mask: true })), want.masked);
      assert.equal(toHex(hashDerivationModulo(r.drv, lookup)), want.unmasked);
      assert.equal(toHex(r.hashModulo as Uint8Array), want.unmasked);
    });
  }
  for (const [attr, aterm] of Object.entries(aterms)) {
    it(`${attr}: exact ATerm`, () => {
      assert.equal(latin1Decode(built[attr]!.aterm), aterm);
      assert.equal(printDerivationString(built[attr]!.drv), aterm);
    });
  }
  it("sa: structured attrs __json as Nix 2.8 writes it", () => {
    assert.equal(
      built.sa!.drv.env.get("__json"),
      '{"builder":"/bin/sh","list":[1,2,"three"],"name":"sa","nested":{"attr":true},"outputs":["out","bin"],"system":"x86_64-linux"}',
    );
    assert.deepEqual([...built.sa!.drv.env.keys()].sort(), ["__json", "bin", "out"]);
  });
  it("dep: the hash-modulo ATerm replaces input drvs by their hex hashes, sorted", () => {
    const r = built.dep!;
    assert.match(
      printDerivationString(r.drv, {
        inputDrvs: new Map([
          ["d00ef3a220516efccd495b796868b4e1653f864d80d1026c4204f63d63a5845b", new Set(["out"])],
          ["35b8e1472f251bbc91054d09023f379a64fe294ec5393eec5fcb7532532cd37c", new Set(["out"])],
          ["9e257e22b496fc28749b926985a5f24af94d3d02fd7a1c351fa970c15c3286ef", new Set(["dev"])],
        ]),
      }),
      /^Derive\(\[[^\]]*\],\[\("35b8e147[0-9a-f]{56}",\["out"\]\),\("9e257e22[0-9a-f]{56}",\["dev"\]\),\("d00ef3a2[0-9a-f]{56}",\["out"\]\)\]/,
    );
  });
});

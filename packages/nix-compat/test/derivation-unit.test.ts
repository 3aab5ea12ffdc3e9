/**
 * Derivations: parser and printer details, output kinds, validation, finalizeDerivation,
 * placeholders, JSON and structured attrs. Vectors marked "Nix 2.8" were produced with
 * nix-instantiate 2.8.0 (ca-derivations and impure-derivations enabled where needed).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  ContentAddress,
  type Derivation,
  DerivationError,
  derivationFromJson,
  derivationPath,
  derivationToJson,
  downstreamPlaceholder,
  encodeStructuredAttrs,
  finalizeDerivation,
  getStructuredAttrs,
  hashDerivationModulo,
  hashPlaceholder,
  type JsonValue,
  jsonStringLiteral,
  latin1Decode,
  latin1Encode,
  NixHash,
  newDerivation,
  parseDerivation,
  parseNixHash,
  parseShowDerivationJson,
  printDerivationString,
  setStructuredAttrs,
  showDerivationJson,
  toHex,
  tryHashDerivationModulo,
  validateDerivation,
  writeJson,
} from "../src/index.ts";

const P = "/nix/store/";
const OUT = `${P}94f9f6i31zwzwbf0kclq1naqxxi4c7v9-simple`;
const DRV = `${P}3ghsl9sd83mc26i81adpa2fzf3yw4f68-simple.drv`;

function aterm(parts: {
  outputs?: string;
  inputDrvs?: string;
  inputSrcs?: string;
  system?: string;
  builder?: string;
  args?: string;
  env?: string;
}): string {
  return `Derive([${parts.outputs ?? `("out","${OUT}","","")`}],[${parts.inputDrvs ?? ""}],[${
    parts.inputSrcs ?? ""
  }],${parts.system ?? '"x86_64-linux"'},${parts.builder ?? '"/bin/sh"'},[${parts.args ?? ""}],[${
    parts.env ?? `("out","${OUT}")`
  }])`;
}

function rejects(s: string, code: string, offset?: number): void {
  assert.throws(
    () => parseDerivation(latin1Encode(s)),
    (e: unknown) => {
      assert.ok(e instanceof DerivationError, `not a DerivationError: ${e}`);
      assert.equal(e.code, code, e.message);
      if (offset !== undefined) assert.equal(e.offset, offset, e.message);
      return true;
    },
  );
}

const roundTrip = (s: string) => assert.equal(printDerivationString(parseDerivation(s)), s);

describe("ATerm parser", () => {
  it("reads escapes; unknown escapes stand for the character (CppNix)", () => {
    const d = parseDerivation(aterm({ args: '"a\\"b\\\\c\\nd\\re\\tf","\\x\\$\\q"' }));
    assert.deepEqual(d.args, ['a"b\\c\nd\re\tf', "x$q"]);
    assert.equal(printDerivationString(d), aterm({ args: '"a\\"b\\\\c\\nd\\re\\tf","x$q"' }));
  });
  it("reads long strings of escapes (unescaped in a buffer, not piece by piece)", () => {
    // Escapes of every kind between runs of every length, and an escaped quote at the end.
    let src = "";
    let want = "";
    for (let i = 0; i < 30_000; i++) {
      const run = "x\x80".repeat(i % 7);
      const [esc, ch] = [
        ["\\\\", "\\"],
        ['\\"', '"'],
        ["\\n", "\n"],
        ["\\r", "\r"],
        ["\\t", "\t"],
        ["\\q", "q"],
      ][i % 6]!;
      src += run + esc;
      want += run + ch;
    }
    src += '\\"';
    want += '"';
    const d = parseDerivation(latin1Encode(aterm({ args: `"${src}","plain"` })));
    assert.equal(d.args[0], want);
    assert.equal(d.args[1], "plain");
  });
  it("keeps every byte, including non-UTF-8 and control bytes", () => {
    const weird = "\x01\x7f\x80\xc5\xff\u00e9";
    const s = aterm({ env: `("out","${OUT}"),("w","${weird}")` });
    const d = parseDerivation(latin1Encode(s));
    assert.equal(d.env.get("w"), weird);
    assert.equal(printDerivationString(d), s);
  });
  it("accepts empty lists and input order it would not write (and sorts when printing)", () => {
    const s = aterm({ env: `("z","1"),("out","${OUT}"),("a","2")` });
    assert.equal(
      printDerivationString(parseDerivation(s)),
      aterm({ env: `("a","2"),("out","${OUT}"),("z","1")` }),
    );
  });
  it("reports syntax errors with byte offsets", () => {
    rejects("", "syntax", 0);
    rejects("Derive[", "syntax", 0);
    rejects(aterm({}).replace("],[", "] ,["), "syntax");
    rejects(aterm({ args: '"a",' }), "syntax");
    rejects(aterm({ args: ',"a"' }), "syntax");
    rejects(aterm({ args: '"a""b"' }), "syntax");
    rejects(aterm({}).slice(0, -1), "syntax");
    rejects(`${aterm({})} `, "trailing-data", aterm({}).length);
    rejects(`${aterm({})}\0`, "trailing-data");
  });
  it("rejects unterminated strings", () => {
    rejects('Derive([("out', "unterminated-string", 9);
    rejects('Derive([("out\\', "unterminated-string", 9);
    rejects('Derive([("out\\"', "unterminated-string", 9);
  });
  it("rejects duplicates", () => {
    rejects(
      aterm({ outputs: `("out","${OUT}","",""),("out","${OUT}","","")` }),
      "duplicate-map-key",
    );
    rejects(aterm({ env: '("a","1"),("a","2")' }), "duplicate-map-key");
    rejects(aterm({ inputDrvs: `("${DRV}",["out"]),("${DRV}",["dev"])` }), "duplicate-map-key");
    rejects(
      aterm({ inputDrvs: `("${DRV}",["out","out"])` }),
      "duplicate-input-derivation-output-name",
    );
    rejects(aterm({ inputSrcs: `"${OUT}","${OUT}"` }), "duplicate-input-source");
  });
  it("rejects invalid store paths", () => {
    rejects(aterm({ inputSrcs: '"/nix/store/foo"' }), "invalid-store-path");
    rejects(aterm({ inputSrcs: `"${OUT}/bin"` }), "invalid-store-path");
    rejects(aterm({ inputSrcs: `"/nix/store//${OUT.slice(11)}"` }), "invalid-store-path");
    rejects(aterm({ inputDrvs: `("/tmp/x.drv",["out"])` }), "invalid-store-path");
    rejects(aterm({ outputs: '("out","/nix/store/eeee","","")' }), "invalid-store-path");
  });
  it("rejects bad output hashes", () => {
    rejects(aterm({ outputs: `("out","${OUT}","sha255","00")` }), "invalid-output-hash");
    rejects(aterm({ outputs: `("out","${OUT}","sha256","00")` }), "invalid-output-hash");
    rejects(aterm({ outputs: `("out","${OUT}","","00")` }), "invalid-output-hash");
    rejects(aterm({ outputs: `("out","${OUT}","r:sha256","")` }), "invalid-output");
    rejects(aterm({ outputs: `("out","${OUT}","r:sha256","impure")` }), "invalid-output");
    rejects(
      aterm({ outputs: `("out","","sha1","0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33")` }),
      "invalid-store-path",
    );
  });
  it("reads fixed hashes in any encoding CppNix reads, and writes lowercase hex", () => {
    const hex = "0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33";
    const h = new NixHash("sha1", Uint8Array.from(Buffer.from(hex, "hex")));
    for (const enc of [hex, hex.toUpperCase(), h.toNixBase32(), h.toBase64()]) {
      const d = parseDerivation(aterm({ outputs: `("out","${OUT}","r:sha1","${enc}")` }), {
        validate: false,
      });
      assert.equal(
        printDerivationString(d),
        aterm({ outputs: `("out","${OUT}","r:sha1","${hex}")` }),
      );
    }
  });
  it("reads every output kind and prints it back", () => {
    roundTrip(aterm({ outputs: '("out","","","")' }));
    roundTrip(aterm({ outputs: '("dev","","r:sha256",""),("out","","r:sha256","")' }));
    roundTrip(aterm({ outputs: '("out","","r:sha256","impure")' }));
    roundTrip(aterm({ outputs: '("out","","sha512","")' }));
    roundTrip(aterm({ outputs: `("out","${OUT}","md5","ed076287532e86365e841e92bfc50d8c")` }));
    const d = parseDerivation(aterm({ outputs: '("dev","","r:sha1",""),("out","","r:sha1","")' }));
    assert.deepEqual(d.outputs.get("dev"), { kind: "floating", method: "nar", algo: "sha1" });
  });
  it("validates after parsing unless told not to", () => {
    const s = aterm({ system: '""' });
    rejects(s, "empty-system");
    assert.equal(parseDerivation(s, { validate: false }).system, "");
  });
});

describe("ATerm printer (CppNix escaping)", () => {
  const base = (): Derivation =>
    newDerivation({
      outputs: new Map([["out", { kind: "input-addressed", path: OUT }]]),
      system: "x86_64-linux",
      builder: "/bin/sh",
    });
  it("escapes builder, args, env keys and values; writes system raw", () => {
    const d = base();
    d.builder = 'b"\\';
    d.args = ["\t\r\n"];
    d.env.set('quo"te', 'a"b\\c\nd\re\tf$g');
    d.system = 'x"y';
    assert.equal(
      printDerivationString(d),
      `Derive([("out","${OUT}","","")],[],[],"x"y","b\\"\\\\",["\\t\\r\\n"],[("quo\\"te","a\\"b\\\\c\\nd\\re\\tf$g")])`,
    );
  });
  it("sorts outputs, inputs, output names and env bytewise", () => {
    const d = base();
    d.outputs.set("Z", { kind: "input-addressed", path: OUT });
    d.inputSrcs.add(OUT).add(`${P}0kbrvign8g4zbbzdlfsl33b3f7dmvk8p-multi`);
    d.inputDrvs.set(DRV, new Set(["out", "dev", "Z"]));
    d.env.set("\xe9", "1").set("b", "2").set("B", "3");
    assert.equal(
      printDerivationString(d),
      `Derive([("Z","${OUT}","",""),("out","${OUT}","","")],[("${DRV}",["Z","dev","out"])],["${P}0kbrvign8g4zbbzdlfsl33b3f7dmvk8p-multi","${OUT}"],"x86_64-linux","/bin/sh",[],[("B","3"),("b","2"),("\xe9","1")])`,
    );
  });
});

describe("validation (spec §5.4)", () => {
  const ok = () =>
    parseDerivation(aterm({ inputDrvs: `("${DRV}",["out"])`, inputSrcs: `"${OUT}"` }));
  const bad = (mutate: (d: Derivation) => void, code: string, opts = {}) => {
    const d = ok();
    mutate(d);
    assert.throws(
      () => validateDerivation(d, opts),
      (e: unknown) => e instanceof DerivationError && e.code === code,
    );
  };
  const fixed = {
    kind: "fixed",
    ca: new ContentAddress(
      "flat",
      parseNixHash("sha256-f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk="),
    ),
  } as const;
  it("accepts a good one", () => validateDerivation(ok()));
  it("rejects what it must", () => {
    bad((d) => d.outputs.clear(), "no-outputs");
    bad((d) => d.outputs.set("drv", { kind: "input-addressed", path: OUT }), "invalid-output-name");
    bad((d) => d.outputs.set("a/b", { kind: "input-addressed", path: OUT }), "invalid-output-name");
    bad((d) => d.outputs.set("", { kind: "input-addressed", path: OUT }), "invalid-output-name");
    bad((d) => d.outputs.set("out", { kind: "deferred" }), "missing-output-path");
    bad((d) => d.outputs.set("dev", { ...fixed, path: OUT }), "mixed-output-kinds");
    bad(
      (d) => d.outputs.set("out", { ...fixed, path: OUT }).set("dev", { ...fixed, path: OUT }),
      "invalid-fixed-output",
    );
    bad((d) => {
      d.outputs.clear();
      d.outputs.set("dev", { ...fixed, path: OUT });
    }, "invalid-fixed-output");
    bad((d) => d.outputs.set("out", { ...fixed, path: OUT }), "fixed-output-path-mismatch", {
      name: "hello.txt",
    });
    bad(
      (d) =>
        d.outputs.set("out", {
          kind: "fixed",
          ca: new ContentAddress("text", fixed.ca.hash),
          path: OUT,
        }),
      "invalid-fixed-output",
    );
    bad((d) => d.inputDrvs.set(OUT, new Set(["out"])), "invalid-input-derivation");
    bad((d) => d.inputDrvs.set(DRV, new Set()), "invalid-input-derivation");
    bad((d) => d.inputDrvs.set(DRV, new Set(["drv"])), "invalid-output-name");
    bad((d) => d.inputSrcs.add("/tmp/x"), "invalid-store-path");
    bad((d) => (d.system = ""), "empty-system");
    bad((d) => (d.builder = ""), "empty-builder");
    bad((d) => d.env.set("", "x"), "empty-env-key");
  });
  it("checks a fixed output's path against its hash when given the name", () => {
    const d = ok();
    d.outputs.set("out", { ...fixed, path: `${P}z304n4ccbya3lf8bq20sl2zhmzd3lx1a-hello.txt` });
    validateDerivation(d, { name: "hello.txt" });
  });
});

describe("finalizeDerivation, hashDerivationModulo, placeholders", () => {
  const draft = (): Derivation => {
    const d = newDerivation({
      system: "x86_64-linux",
      builder: "/bin/sh",
      args: ["-c", "echo hello > $out"],
    });
    d.env.set("builder", "/bin/sh").set("name", "simple").set("system", "x86_64-linux");
    d.outputs.set("out", { kind: "deferred" });
    return d;
  };
  it("input-addressed: the spec's `simple`", () => {
    const d = draft();
    const f = finalizeDerivation(d, "simple", () => undefined);
    assert.equal(f.drvPath, DRV);
    assert.deepEqual([...f.outputPaths], [["out", OUT]]);
    assert.equal(d.env.get("out"), OUT);
    assert.equal(
      toHex(f.hashModulo as Uint8Array),
      "d00ef3a220516efccd495b796868b4e1653f864d80d1026c4204f63d63a5845b",
    );
    assert.equal(derivationPath(d, "simple"), DRV);
  });
  it("fixed output: path from name and hash; env out set", () => {
    const d = draft();
    d.env
      .set("name", "hello.txt")
      .set("outputHash", "sha256-f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk=");
    d.outputs.set("out", {
      kind: "fixed",
      ca: new ContentAddress("flat", parseNixHash(d.env.get("outputHash")!)),
    });
    const f = finalizeDerivation(d, "hello.txt", () => undefined);
    assert.equal(f.outputPaths.get("out"), `${P}z304n4ccbya3lf8bq20sl2zhmzd3lx1a-hello.txt`);
    assert.equal(d.env.get("out"), f.outputPaths.get("out"));
    assert.equal(
      toHex(f.hashModulo as Uint8Array),
      "35b8e1472f251bbc91054d09023f379a64fe294ec5393eec5fcb7532532cd37c",
    );
  });
  it("floating and impure outputs get placeholders; dependants are deferred (Nix 2.8 vectors)", () => {
    const ca = newDerivation({ system: "x", builder: "/bin/sh" });
    ca.env
      .set("builder", "/bin/sh")
      .set("name", "ca")
      .set("outputHashAlgo", "sha256")
      .set("outputHashMode", "recursive")
      .set("outputs", "out dev")
      .set("system", "x");
    ca.outputs.set("out", { kind: "floating", method: "nar", algo: "sha256" });
    ca.outputs.set("dev", { kind: "floating", method: "nar", algo: "sha256" });
    const fca = finalizeDerivation(ca, "ca", () => undefined);
    assert.equal(fca.drvPath, `${P}551lwairrag2gc4g6qfk6y3n359ambcm-ca.drv`);
    assert.equal(fca.hashModulo, "deferred");
    assert.equal(fca.outputPaths.size, 0);
    assert.equal(ca.env.get("dev"), "/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5dv88lh25r2ss44kh8dxz");
    assert.equal(ca.env.get("out"), hashPlaceholder("out"));
    assert.equal(hashPlaceholder("out"), "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");

    const dev = downstreamPlaceholder(fca.drvPath, "dev");
    const out = downstreamPlaceholder(fca.drvPath, "out");
    assert.equal(dev, "/10paj08lsn5dmdry4546qkwz5kmj8sygbsv09ans0kffkjhp1qgs");
    assert.equal(out, "/0p8ngg683sr1qlbqvd9zd6xsnz5g8z7llnvanys4rkfym8c17kac");

    const dep = newDerivation({ system: "x", builder: "/bin/sh" });
    dep.env
      .set("builder", "/bin/sh")
      .set("name", "dep")
      .set("system", "x")
      .set("x", dev)
      .set("y", `\x01\x02\b\f\x1f\x7f\xff\xc3\xa9 ${out}`);
    dep.inputDrvs.set(fca.drvPath, new Set(["dev", "out"]));
    dep.outputs.set("out", { kind: "deferred" });
    const fdep = finalizeDerivation(dep, "dep", (p) =>
      p === fca.drvPath ? fca.hashModulo : undefined,
    );
    assert.equal(fdep.drvPath, `${P}2wvympf6xkjq4knk5lkb4c4xwlha8yg9-dep.drv`);
    assert.equal(fdep.hashModulo, "deferred");
    assert.deepEqual(dep.outputs.get("out"), { kind: "deferred" });
    assert.equal(dep.env.get("out"), "");
    assert.throws(
      () => hashDerivationModulo(dep, () => "deferred"),
      (e: unknown) => e instanceof DerivationError && e.code === "deferred",
    );

    const imp = newDerivation({ system: "x", builder: "/bin/sh" });
    imp.env.set("builder", "/bin/sh").set("name", "imp").set("system", "x");
    imp.outputs.set("out", { kind: "impure", method: "nar", algo: "sha256" });
    const fimp = finalizeDerivation(imp, "imp", () => undefined);
    assert.equal(fimp.drvPath, `${P}ah7m7qfsqigmr31rcvwz7ami96992yls-imp.drv`);
    assert.equal(
      latin1Decode(fimp.aterm),
      'Derive([("out","","r:sha256","impure")],[],[],"x","/bin/sh",[],[("builder","/bin/sh"),("name","imp"),("out","/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"),("system","x")])',
    );
  });
  it("equal input hashes merge their output sets (CppNix)", () => {
    const d = draft();
    const other = `${P}x03bvhcivl4l9hhpfnc0s94gy8m294n1-multi.drv`;
    d.inputDrvs.set(DRV, new Set(["a"])).set(other, new Set(["b"]));
    const h = new Uint8Array(32).fill(7);
    d.outputs.set("out", { kind: "input-addressed", path: OUT });
    const s = printDerivationString(d, { inputDrvs: new Map([[toHex(h), new Set(["a", "b"])]]) });
    assert.equal(
      toHex(hashDerivationModulo(d, () => h)),
      createHash("sha256").update(latin1Encode(s)).digest("hex"),
    );
  });
  it("errors: unknown inputs, bad names, mixed kinds", () => {
    const d = draft();
    d.inputDrvs.set(DRV, new Set(["out"]));
    assert.throws(() => finalizeDerivation(d, "x", () => undefined), {
      code: "unknown-input-derivation",
    });
    assert.throws(() => finalizeDerivation(draft(), "a b", () => undefined), {
      code: "invalid-name",
    });
    assert.throws(() => finalizeDerivation(draft(), "", () => undefined), { code: "invalid-name" });
    assert.throws(() => finalizeDerivation(draft(), "a".repeat(208), () => undefined), {
      code: "invalid-name",
    });
    finalizeDerivation(draft(), "a".repeat(207), () => undefined);
    const m = draft();
    m.outputs.set("dev", { kind: "impure", method: "nar", algo: "sha256" });
    assert.throws(() => finalizeDerivation(m, "x", () => undefined), {
      code: "mixed-output-kinds",
    });
    assert.equal(
      tryHashDerivationModulo(m, () => undefined),
      "deferred",
    );
  });
});

describe("JSON", () => {
  it("writes strings as Nix 2.8's JSON writer (Nix 2.8 vector)", () => {
    assert.equal(
      jsonStringLiteral(`\x01\x02\b\f\x1f\x7f\xff\xc3\xa9 "\\\n\r\t`),
      `"\\u0001\\u0002\\u0008\\u000c\\u001f\x7f\xff\xc3\xa9 \\"\\\\\\n\\r\\t"`,
    );
    assert.equal(writeJson(new Map<string, never>()), "{}");
    assert.equal(
      writeJson(new Map([["a", [1, "b", null, true, new Map()]]]), { pretty: true }),
      '{\n  "a": [\n    1,\n    "b",\n    null,\n    true,\n    {}\n  ]\n}',
    );
  });
  it("round-trips every output kind through the object form and show-derivation form", () => {
    const s = aterm({
      outputs: '("dev","","r:sha256",""),("out","","r:sha256","")',
      inputDrvs: `("${DRV}",["out"])`,
      env: '("k","\xc3\xa9\\n")',
    });
    const d = parseDerivation(latin1Encode(s));
    const j = derivationToJson(d);
    assert.deepEqual(j.outputs, { dev: { hashAlgo: "r:sha256" }, out: { hashAlgo: "r:sha256" } });
    assert.equal(j.env.k, "é\n");
    assert.equal(printDerivationString(derivationFromJson(JSON.parse(JSON.stringify(j)))), s);
    const shown = showDerivationJson([["/x.drv", d]]);
    assert.equal(printDerivationString(parseShowDerivationJson(shown).get("/x.drv")!), s);
    for (const o of [
      '("out","","","")',
      '("out","","sha1","impure")',
      `("out","${OUT}","sha1","0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33")`,
    ]) {
      const x = parseDerivation(aterm({ outputs: o }), { validate: false });
      assert.equal(
        printDerivationString(derivationFromJson(derivationToJson(x))),
        aterm({ outputs: o }),
      );
    }
  });
  it("accepts output hashes in other encodings and rejects malformed JSON", () => {
    const j = derivationToJson(
      parseDerivation(
        aterm({ outputs: `("out","${OUT}","sha1","0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33")` }),
        { validate: false },
      ),
    );
    j.outputs.out!.hash = "sha1-C+7Hteo/D9vJXQ3UfzxbwnXaijM=".slice(5);
    assert.equal(derivationFromJson(j).outputs.get("out")!.kind, "fixed");
    for (const broken of [
      null,
      [],
      { ...j, args: "x" },
      { ...j, env: { a: 1 } },
      { ...j, outputs: { out: { hash: "00" } } },
      { ...j, inputSrcs: [OUT, OUT] },
    ]) {
      assert.throws(() => derivationFromJson(broken), DerivationError);
    }
  });
});

describe("structured attrs", () => {
  it("encodes sorted compact JSON into __json and reads it back", () => {
    const d = newDerivation();
    d.env.set("old", "x");
    setStructuredAttrs(
      d,
      new Map<string, JsonValue>([
        ["system", "x86_64-linux"],
        [
          "nested",
          new Map<string, JsonValue>([
            ["b", 1],
            ["a", [true, null]],
          ]),
        ],
        ["builder", "/bin/sh"],
      ]),
    );
    assert.deepEqual([...d.env.keys()], ["__json"]);
    assert.equal(
      d.env.get("__json"),
      '{"builder":"/bin/sh","nested":{"a":[true,null],"b":1},"system":"x86_64-linux"}',
    );
    assert.deepEqual(getStructuredAttrs(d), {
      builder: "/bin/sh",
      nested: { a: [true, null], b: 1 },
      system: "x86_64-linux",
    });
    assert.equal(
      encodeStructuredAttrs(new Map([["s", "\xc3\xa9\x01"]])),
      '{"s":"\xc3\xa9\\u0001"}',
    );
    d.env.set("__json", "[1]");
    assert.throws(() => getStructuredAttrs(d), { code: "invalid-structured-attrs" });
    assert.equal(getStructuredAttrs(newDerivation()), undefined);
  });
});

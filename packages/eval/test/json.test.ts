/**
 * fromJSON's two paths agree: JSON.parse (taken for long inputs without `\u` escapes, floats or
 * unsafe integers) and the evaluator's own parser.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromJSON, parseJSON } from "../src/builtins/json.ts";
import { printValue } from "../src/print-value.ts";
import { type NixAttrs, NixFloat } from "../src/values.ts";

const PAD = " ".repeat(80);

describe("fromJSON", () => {
  it("gives the same values through JSON.parse and through its own parser", () => {
    const cases = [
      '{"b":1,"a":[1,2,{"z":null,"y":true}],"10":"x","2":"y","__proto__":5,"\xc3\xa9":"\xc3\xbc"}',
      '[1,2,3,{"a":1,"a":2},"a\\nb\\t\\"c\\\\d\\/"]',
      '[[[[[]]]],{},[],"",-0,0,-12,9007199254740991]',
      '{"a" :  1 , "b":[ ] , "c": {"x": "y", "w": false}}',
      JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, t: ["a"] }))),
    ];
    for (const c of cases) {
      const text = c + PAD;
      assert.equal(printValue(fromJSON(text)), printValue(parseJSON(text)), c);
    }
  });

  it("leaves escapes, floats and big integers to its own parser", () => {
    for (const c of ['{"u":"\\u00e9"}', '{"x":1.0}', '{"x":12345678901234567}', "[1 2]"]) {
      const text = c + PAD;
      let a: string;
      let b: string;
      try {
        a = printValue(fromJSON(text));
      } catch (e) {
        a = `error ${(e as { message: string }).message}`;
      }
      try {
        b = printValue(parseJSON(text));
      } catch (e) {
        b = `error ${(e as { message: string }).message}`;
      }
      assert.equal(a, b, c);
    }
    const v = fromJSON(`{"x":1.0}${PAD}`) as NixAttrs;
    assert.ok(v.get("x") instanceof NixFloat);
  });
});

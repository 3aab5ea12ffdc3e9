// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Nix source text uses ${ ... }
/**
 * Tokenizer unit tests: the lexical traps of the Nix language (spec §1.1), checked token by token.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Lexer, tokens as T } from "../src/index.ts";

function lex(src: string, options = {}): string[] {
  const lx = new Lexer(Buffer.from(src, "latin1"), options);
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    lx.next();
    if (lx.kind === T.T_EOF) break;
    const name = T.TOKEN_NAMES[lx.kind];
    const valued = [
      T.T_ID,
      T.T_INT,
      T.T_FLOAT,
      T.T_STR,
      T.T_IND_STR,
      T.T_PATH,
      T.T_HPATH,
      T.T_SPATH,
      T.T_URI,
    ];
    out.push(
      valued.includes(lx.kind)
        ? `${name}:${typeof lx.value === "bigint" ? `${lx.value}n` : lx.value}`
        : name,
    );
  }
  return out;
}

function lexErrors(src: string): string[] {
  const lx = new Lexer(Buffer.from(src, "latin1"));
  for (let i = 0; i < 1000; i++) {
    lx.next();
    if (lx.kind === T.T_EOF) break;
  }
  return lx.errors.map((e) => `${e.message}@${e.start}`);
}

describe("lexer: numbers", () => {
  it("integers, floats and the 1e6 trap", () => {
    assert.deepEqual(lex("1e6"), ["INT_LIT:1", "ID:e6"]);
    assert.deepEqual(lex("1.5 .5 1. 0.5 1.5e3 2.5E-3 1.e5"), [
      "FLOAT_LIT:1.5",
      "FLOAT_LIT:0.5",
      "FLOAT_LIT:1",
      "FLOAT_LIT:0.5",
      "FLOAT_LIT:1500",
      "FLOAT_LIT:0.0025",
      "FLOAT_LIT:100000",
    ]);
    assert.deepEqual(lex("00.5"), ["INT_LIT:0", "FLOAT_LIT:0.5"]);
    assert.deepEqual(lex("0."), ["INT_LIT:0", "'.'"]);
    assert.deepEqual(lex("007"), ["INT_LIT:7"]);
    assert.deepEqual(lex("123abc"), ["INT_LIT:123", "ID:abc"]);
    assert.deepEqual(lex("2.0e"), ["FLOAT_LIT:2", "ID:e"]);
  });

  it("64-bit integers: exact beyond 2^53, error beyond 2^63-1", () => {
    assert.deepEqual(lex("9007199254740993"), ["INT_LIT:9007199254740993n"]);
    assert.deepEqual(lex("9223372036854775807"), ["INT_LIT:9223372036854775807n"]);
    assert.deepEqual(lexErrors("9223372036854775808"), ["invalid integer '9223372036854775808'@0"]);
  });

  it("float range errors like strtod's ERANGE", () => {
    assert.deepEqual(lexErrors("1.0e400"), ["invalid float '1.0e400'@0"]);
    assert.deepEqual(lexErrors("1.0e-400"), ["invalid float '1.0e-400'@0"]);
    assert.deepEqual(lexErrors("1.0e-310"), ["invalid float '1.0e-310'@0"]);
    assert.deepEqual(lexErrors("0.0e-999 1.0e300"), []);
  });
});

describe("lexer: identifiers, keywords, URIs", () => {
  it("identifier characters and keywords", () => {
    assert.deepEqual(lex("a-b x' _x if iff or rec"), [
      "ID:a-b",
      "ID:x'",
      "ID:_x",
      "IF",
      "ID:iff",
      "OR_KW",
      "REC",
    ]);
  });

  it("URIs win over identifiers, x: x is a lambda", () => {
    assert.deepEqual(lex("x:x"), ["URI:x:x"]);
    assert.deepEqual(lex("x: x"), ["ID:x", "':'", "ID:x"]);
    assert.deepEqual(lex("http://a.b/c?d=e&f"), ["URI:http://a.b/c?d=e&f"]);
    assert.deepEqual(lex("a.b+c-d:e"), ["URI:a.b+c-d:e"]);
    assert.deepEqual(lex("a_b:c"), ["ID:a_b", "':'", "ID:c"]);
  });
});

describe("lexer: paths", () => {
  it("path literals and the 1.0/3 trap", () => {
    assert.deepEqual(lex("./a"), ["PATH:./a", "PATH_END"]);
    assert.deepEqual(lex("1.0/3"), ["PATH:1.0/3", "PATH_END"]);
    assert.deepEqual(lex("a/b"), ["PATH:a/b", "PATH_END"]);
    assert.deepEqual(lex("a / b"), ["ID:a", "'/'", "ID:b"]);
    assert.deepEqual(lex("a//b"), ["ID:a", "UPDATE", "ID:b"]);
    assert.deepEqual(lex("x-/a +/b"), ["PATH:x-/a", "PATH_END", "PATH:+/b", "PATH_END"]);
    assert.deepEqual(lex("~/a/b"), ["HPATH:~/a/b", "PATH_END"]);
    assert.deepEqual(lex("<nixpkgs/lib>"), ["SPATH:nixpkgs/lib"]);
    assert.deepEqual(lex("a <b> c"), ["ID:a", "SPATH:b", "ID:c"]);
    assert.deepEqual(lex("a < b"), ["ID:a", "'<'", "ID:b"]);
  });

  it("interpolated paths: segments, ${, PATH_END", () => {
    assert.deepEqual(lex("./a/${x}/b"), [
      "PATH:./a/",
      "DOLLAR_CURLY",
      "ID:x",
      "'}'",
      "STR:/b",
      "PATH_END",
    ]);
    assert.deepEqual(lex("a/${x}"), ["PATH:a/", "DOLLAR_CURLY", "ID:x", "'}'", "PATH_END"]);
    assert.deepEqual(lex("/${x}"), ["PATH:/", "DOLLAR_CURLY", "ID:x", "'}'", "PATH_END"]);
    assert.deepEqual(lex("~/${x}"), ["HPATH:~/", "DOLLAR_CURLY", "ID:x", "'}'", "PATH_END"]);
    assert.deepEqual(lex("./a${x}b"), [
      "PATH:./a",
      "DOLLAR_CURLY",
      "ID:x",
      "'}'",
      "STR:b",
      "PATH_END",
    ]);
    // After `a/b/`, `/c` continues the path as a separate piece (CppNix then rejects it).
    assert.deepEqual(lex("a/b//c"), ["PATH:a/b/", "STR:/c", "PATH_END"]);
  });

  it("a trailing slash is an error unless an interpolation follows", () => {
    assert.deepEqual(lexErrors("./a/ ;"), ["path has a trailing slash@4"]);
    assert.deepEqual(lexErrors("[./a/"), ["path has a trailing slash@1"]);
    assert.deepEqual(lexErrors("./a/${x}"), []);
  });
});

describe("lexer: strings", () => {
  it("escapes, dollars and line endings in double-quoted strings", () => {
    assert.deepEqual(lex('"a\\nb\\t\\r\\"\\\\\\$\\{\\a"'), ["'\"'", 'STR:a\nb\t\r"\\${a', "'\"'"]);
    // `$$` is two literal dollars, so `$${x}` is literal but `$$${x}` interpolates.
    assert.deepEqual(lex('"$${x}"'), ["'\"'", "STR:$${x}", "'\"'"]);
    assert.deepEqual(lex('"$$${x}"'), ["'\"'", "STR:$$", "DOLLAR_CURLY", "ID:x", "'}'", "'\"'"]);
    assert.deepEqual(lex('"a$"'), ["'\"'", "STR:a$", "'\"'"]);
    assert.deepEqual(lex('"a\r\nb\rc"'), ["'\"'", "STR:a\nb\nc", "'\"'"]);
    assert.deepEqual(lex('"a${b}c"'), [
      "'\"'",
      "STR:a",
      "DOLLAR_CURLY",
      "ID:b",
      "'}'",
      "STR:c",
      "'\"'",
    ]);
    assert.deepEqual(lex('"${ {a=1;}.a }"'), [
      "'\"'",
      "DOLLAR_CURLY",
      "'{'",
      "ID:a",
      "'='",
      "INT_LIT:1",
      "';'",
      "'}'",
      "'.'",
      "ID:a",
      "'}'",
      "'\"'",
    ]);
  });

  it("indented strings: text runs and escapes are separate pieces", () => {
    assert.deepEqual(lex("''\n  a ''$ ''' ''\\n $$ $' 'x''"), [
      "IND_STRING_OPEN",
      "IND_STR:  a ",
      "IND_STR:$",
      "IND_STR: ",
      "IND_STR:''",
      "IND_STR: ",
      "IND_STR:\n",
      "IND_STR: $$ ",
      "IND_STR:$",
      "IND_STR:' 'x",
      "IND_STRING_CLOSE",
    ]);
    assert.deepEqual(lex("''  \n''"), ["IND_STRING_OPEN", "IND_STRING_CLOSE"]);
    assert.deepEqual(lex("''  x''"), ["IND_STRING_OPEN", "IND_STR:  x", "IND_STRING_CLOSE"]);
  });

  it("NUL bytes: end of input outside strings, an error inside", () => {
    assert.deepEqual(lex("1\0garbage"), ["INT_LIT:1"]);
    assert.equal(lexErrors('"a\0b"').length, 1);
  });
});

describe("lexer: operators and comments", () => {
  it("multi-character operators", () => {
    assert.deepEqual(lex("== != <= >= && || -> // ++ ..."), [
      "EQ",
      "NEQ",
      "LEQ",
      "GEQ",
      "AND",
      "OR",
      "IMPL",
      "UPDATE",
      "CONCAT",
      "ELLIPSIS",
    ]);
  });

  it("comments; an unterminated /* is not a comment; # ends at CR", () => {
    assert.deepEqual(lex("a /* x */ b # c\nd /** doc */ e"), ["ID:a", "ID:b", "ID:d", "ID:e"]);
    assert.deepEqual(lex("/* abc"), ["'/'", "'*'", "ID:abc"]);
    assert.deepEqual(lex("# c\ry"), ["ID:y"]);
  });

  it("pipe operators need the experimental feature", () => {
    assert.deepEqual(lex("a |> f", { pipeOperators: true }), ["ID:a", "PIPE_INTO", "ID:f"]);
    assert.match(lexErrors("a |> f")[0], /experimental Nix feature 'pipe-operators' is disabled/);
  });

  it("bytes the grammar has no use for are invalid tokens", () => {
    assert.deepEqual(lex("~ $ ' & | \xc3"), [
      "invalid token",
      "invalid token",
      "invalid token",
      "invalid token",
      "invalid token",
      "invalid token",
    ]);
  });
});

/** PathInfo: proto vectors and every invalid-message case of castore-store.md §16.4. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { parseSigningKey, parseStorePathBaseName, StorePath } from "@tvix-ts/nix-compat";
import { NodeSchema } from "../src/gen/tvix/castore/v1/castore_pb.ts";
import { PathInfoSchema } from "../src/gen/tvix/store/v1/pathinfo_pb.ts";
import {
  decodePathInfo,
  encodePathInfo,
  PathInfo,
  PathInfoError,
  pathInfoFromProto,
  pathInfoToProto,
} from "../src/index.ts";
import { DUMMY_PATH, HELLOWORLD_DIGEST, pathInfoFixture } from "./support/fixtures.ts";

const z = (n: number) => "00".repeat(n);
const DUMMY_NAME_HEX = Buffer.from("00000000000000000000000000000000-dummy").toString("hex");
const PATH_INFO_HEX =
  `0a4c0a4a0a26${DUMMY_NAME_HEX}1220${z(32)}` +
  `1214${z(20)}` +
  `1a6e1220${z(32)}2226${DUMMY_NAME_HEX}3222` +
  `1220${z(32)}`;

const code = (c: string) => (e: unknown) => e instanceof PathInfoError && e.code === c;

/** The fixture's message, modified by `edit`, converted back. */
function convertEdited(edit: (m: ReturnType<typeof pathInfoToProto>) => void) {
  const m = pathInfoToProto(pathInfoFixture());
  edit(m);
  return () => pathInfoFromProto(m);
}

describe("PathInfo protobuf", () => {
  it("encodes the PATH_INFO fixture byte for byte (212 bytes)", () => {
    const bytes = encodePathInfo(pathInfoFixture());
    assert.equal(bytes.length, 212);
    assert.equal(Buffer.from(bytes).toString("hex"), PATH_INFO_HEX);
  });

  it("round-trips, keeping every field", () => {
    const key = parseSigningKey(
      "do.not.use:sGPzxuK5WvWPraytx+6sjtaff866sYlfvErE6x0hFEhy5eqe7OVZ8ZMqZ/ME/HaRdKGNGvJkyGKXYTaeA6lR3A==",
    );
    const info = pathInfoFixture()
      .with({
        narSize: 5,
        deriver: parseStorePathBaseName("00000000000000000000000000000000-dummy.drv"),
        references: [{ path: DUMMY_PATH, node: { type: "symlink", target: Buffer.from("x") } }],
      })
      .sign(key);
    const back = decodePathInfo(encodePathInfo(info));
    assert.deepEqual(encodePathInfo(back), encodePathInfo(info));
    assert.equal(back.deriver?.name, "dummy.drv");
    assert.equal(back.signatures.length, 1);
    assert.equal(back.ca?.toString(), `fixed:r:sha256:${"0".repeat(52)}`);
    assert.equal(back.references[0]!.node?.type, "symlink");
  });

  it("signs PATH_INFO as Tvix's signing wrapper does", () => {
    const key = parseSigningKey(
      "do.not.use:sGPzxuK5WvWPraytx+6sjtaff866sYlfvErE6x0hFEhy5eqe7OVZ8ZMqZ/ME/HaRdKGNGvJkyGKXYTaeA6lR3A==",
    );
    // NAR size 0 cannot be fingerprinted in CppNix; compare the signature over Tvix's string.
    const fp = `1;/nix/store/00000000000000000000000000000000-dummy;sha256:${"0".repeat(52)};0;/nix/store/00000000000000000000000000000000-dummy`;
    assert.equal(
      key.sign(fp).toString(),
      "do.not.use:xl4q2L5wQMou13ZQ9/YPqK1z/DSIYycTtndVNfp2ybT8Cpg+yPv1sCQN8VVWppnq5BXTuMhjaq7K/ebYN4LYBg==",
    );
  });

  it("writes the deriver without .drv and the CA type omitted for NAR_SHA256", () => {
    const info = pathInfoFixture().with({
      deriver: parseStorePathBaseName("00000000000000000000000000000000-dummy.drv"),
    });
    const m = pathInfoToProto(info);
    assert.equal(m.narinfo?.deriver?.name, "dummy");
    assert.equal(m.narinfo?.ca?.type, 0);
  });
});

describe("PathInfo validation (every invalid case of the spec)", () => {
  it("node name 'invalid' -> InvalidNodeName", () => {
    assert.throws(
      convertEdited((m) => {
        m.node = create(NodeSchema, {
          node: {
            case: "directory",
            value: { name: Buffer.from("invalid"), digest: new Uint8Array(32), size: 0n },
          },
        });
      }),
      code("InvalidNodeName"),
    );
  });
  it("empty node digest -> InvalidRootNode", () => {
    assert.throws(
      convertEdited((m) => {
        if (m.node?.node.case === "directory") m.node.node.value.digest = new Uint8Array(0);
      }),
      code("InvalidRootNode"),
    );
  });
  it("Node without a oneof -> InvalidRootNode", () => {
    assert.throws(
      convertEdited((m) => {
        m.node = create(NodeSchema);
      }),
      code("InvalidRootNode"),
    );
  });
  it("no node at all -> NoNodePresent", () => {
    assert.throws(
      convertEdited((m) => {
        m.node = undefined;
      }),
      code("NoNodePresent"),
    );
  });
  it("narinfo missing -> NarInfoFieldMissing", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo = undefined;
      }),
      code("NarInfoFieldMissing"),
    );
  });
  it("nar_sha256 'beef' -> InvalidNarSha256DigestLen", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.narSha256 = Buffer.from("beef", "hex");
      }),
      code("InvalidNarSha256DigestLen"),
    );
  });
  it("reference_names [] -> InconsistentNumberOfReferences", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.referenceNames = [];
      }),
      code("InconsistentNumberOfReferences"),
    );
  });
  it("extra reference 'ffff' -> InvalidReferenceDigestLen", () => {
    assert.throws(
      convertEdited((m) => {
        m.references.push(Buffer.from("ffff", "hex"));
      }),
      (e) => code("InvalidReferenceDigestLen")(e) && /position 1: 2/.test((e as Error).message),
    );
  });
  it("reference name with /nix/store/ -> InvalidNarinfoReferenceName", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.referenceNames = ["/nix/store/00000000000000000000000000000000-dummy"];
      }),
      code("InvalidNarinfoReferenceName"),
    );
  });
  it("reference digest 20x0xff -> InconsistentNarinfoReferenceNameDigest", () => {
    assert.throws(
      convertEdited((m) => {
        m.references = [new Uint8Array(20).fill(0xff)];
      }),
      code("InconsistentNarinfoReferenceNameDigest"),
    );
  });
  it("deriver {name foo, digest []} -> InvalidDeriverField", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.deriver = {
          $typeName: "tvix.store.v1.StorePath",
          name: "foo",
          digest: new Uint8Array(0),
        };
      }),
      code("InvalidDeriverField"),
    );
  });
  it("a deriver with several .drv suffixes is accepted", () => {
    const info = convertEdited((m) => {
      m.narinfo!.deriver = {
        $typeName: "tvix.store.v1.StorePath",
        name: "foo.drv.drv",
        digest: new Uint8Array(20),
      };
    })();
    assert.equal(info.deriver?.name, "foo.drv.drv.drv");
  });
  it("signature of 3 bytes -> InvalidSignature", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.signatures = [
          { $typeName: "tvix.store.v1.NARInfo.Signature", name: "k", data: new Uint8Array(3) },
        ];
      }),
      code("InvalidSignature"),
    );
  });
  it("CA digest of the wrong length or unknown type -> InvalidCaField", () => {
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.ca!.digest = new Uint8Array(5);
      }),
      code("InvalidCaField"),
    );
    assert.throws(
      convertEdited((m) => {
        m.narinfo!.ca!.type = 42 as never;
      }),
      code("InvalidCaField"),
    );
  });
  it("reference_nodes of the wrong length or name -> InvalidReferenceNodes", () => {
    assert.throws(
      convertEdited((m) => {
        m.referenceNodes = [create(NodeSchema), create(NodeSchema)];
      }),
      code("InvalidReferenceNodes"),
    );
    assert.throws(
      convertEdited((m) => {
        m.referenceNodes = [
          create(NodeSchema, {
            node: {
              case: "symlink",
              value: { name: Buffer.from("wrong"), target: Buffer.from("x") },
            },
          }),
        ];
      }),
      code("InvalidReferenceNodes"),
    );
  });
  it("garbage bytes -> InvalidProto", () => {
    assert.throws(() => decodePathInfo(new Uint8Array([0xff, 0xff, 0xff])), code("InvalidProto"));
  });
  it("never throws anything but PathInfoError for random messages", () => {
    for (let i = 0; i < 300; i++) {
      const b = toBinary(PathInfoSchema, pathInfoToProto(pathInfoFixture()));
      const x = b.slice();
      for (let k = 0; k < 3; k++) x[(i * 7 + k * 13) % x.length] ^= 1 << ((i + k) % 8);
      try {
        decodePathInfo(x);
      } catch (e) {
        assert.ok(e instanceof PathInfoError, `${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
  it("the constructor rejects bad values", () => {
    const base = {
      storePath: new StorePath(new Uint8Array(20), "x"),
      node: { type: "file", digest: HELLOWORLD_DIGEST, size: 12, executable: false } as const,
      narSize: 1,
      narSha256: new Uint8Array(32),
    };
    assert.ok(new PathInfo(base));
    assert.throws(
      () => new PathInfo({ ...base, narSha256: new Uint8Array(31) }),
      code("InvalidNarSha256DigestLen"),
    );
    assert.throws(() => new PathInfo({ ...base, narSize: -1 }), code("InvalidNarSize"));
    assert.throws(
      () => new PathInfo({ ...base, node: { ...base.node, digest: new Uint8Array(3) as never } }),
      code("InvalidRootNode"),
    );
  });
});

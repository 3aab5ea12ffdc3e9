/**
 * gRPC PathInfoService client (`grpc+unix:///SOCK`, `grpc+http(s)://HOST:PORT`): NOT_FOUND is
 * absence, responses are validated like any received PathInfo (an invalid one is an
 * `integrity` error), and NAR calculation happens on the server (`CalculateNAR`), where the
 * data is.
 */
import { create } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { kindOfCode, type Node } from "@tvix-ts/castore";
import { PathInfoError, PathInfoServiceError } from "../errors.ts";
import {
  GetPathInfoRequestSchema,
  ListPathInfoRequestSchema,
  PathInfoService as PathInfoServiceDesc,
} from "../gen/tvix/store/v1/rpc_pathinfo_pb.ts";
import type { PathInfo } from "../path-info/path-info.ts";
import { anonymousNodeToMsg, pathInfoFromProto, pathInfoToProto } from "../path-info/proto.ts";
import { checkDigest } from "../pathinfo/digest.ts";
import type { NarCalculation, NarCalculationService, PathInfoService } from "../pathinfo/types.ts";

function errorFrom(e: unknown): PathInfoServiceError {
  if (e instanceof PathInfoServiceError) return e;
  const ce = ConnectError.from(e);
  return new PathInfoServiceError(kindOfCode(ce.code), `grpc: ${ce.rawMessage}`, { cause: e });
}

function validated(msg: Parameters<typeof pathInfoFromProto>[0]): PathInfo {
  try {
    return pathInfoFromProto(msg);
  } catch (e) {
    if (!(e instanceof PathInfoError)) throw e;
    throw new PathInfoServiceError(
      "integrity",
      `grpc: server sent an invalid PathInfo: ${e.message}`,
      {
        cause: e,
      },
    );
  }
}

export class GrpcPathInfoService implements PathInfoService, NarCalculationService {
  readonly #client: Client<typeof PathInfoServiceDesc>;

  constructor(transport: Transport) {
    this.#client = createClient(PathInfoServiceDesc, transport);
  }

  async get(digest: Uint8Array): Promise<PathInfo | undefined> {
    checkDigest(digest);
    let msg: Awaited<ReturnType<Client<typeof PathInfoServiceDesc>["get"]>>;
    try {
      msg = await this.#client.get(
        create(GetPathInfoRequestSchema, { byWhat: { case: "byOutputHash", value: digest } }),
      );
    } catch (e) {
      if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
      throw errorFrom(e);
    }
    return validated(msg);
  }

  async put(info: PathInfo): Promise<PathInfo> {
    let msg: Awaited<ReturnType<Client<typeof PathInfoServiceDesc>["put"]>>;
    try {
      msg = await this.#client.put(pathInfoToProto(info));
    } catch (e) {
      throw errorFrom(e);
    }
    return validated(msg);
  }

  async *list(): AsyncGenerator<PathInfo> {
    try {
      for await (const msg of this.#client.list(create(ListPathInfoRequestSchema))) {
        yield validated(msg);
      }
    } catch (e) {
      throw errorFrom(e);
    }
  }

  narCalculationService(): NarCalculationService {
    return this;
  }

  async calculateNar(root: Node): Promise<NarCalculation> {
    try {
      const r = await this.#client.calculateNAR(anonymousNodeToMsg(root));
      if (r.narSha256.length !== 32) {
        throw new PathInfoServiceError("integrity", "grpc: CalculateNAR returned a bad digest");
      }
      return { narSize: Number(r.narSize), narSha256: r.narSha256 };
    } catch (e) {
      throw errorFrom(e);
    }
  }

  async close(): Promise<void> {}
}

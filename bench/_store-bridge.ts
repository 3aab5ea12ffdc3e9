/**
 * bench/store.ts's nar-bridge process: serves the benchmark's local tvix store on a free port
 * and prints `PORT <n>` once listening. (Files starting with `_` are not benchmarks.)
 */
import { localStoreUrls, openStore, startNarBridge } from "@tvix-ts/store";

const dir = process.argv[2]!;
const u = localStoreUrls(dir);
const store = openStore({
  blobServiceAddr: u.blob,
  directoryServiceAddr: u.directory,
  pathInfoServiceAddr: u.pathinfo,
});
const server = await startNarBridge({
  blobService: store.blobService,
  directoryService: store.directoryService,
  pathInfoService: store.pathInfoService,
  port: 0,
});
process.stdout.write(`PORT ${server.port}\n`);
process.once("SIGTERM", async () => {
  await server.close(1000);
  await store.close();
  process.exit(0);
});

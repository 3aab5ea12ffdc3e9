/**
 * Worker side of `startSourceNar` (source-nar.ts): walks the path in its workerData, posts its
 * NAR's size and sha256 with the castore node of what was read, or undefined on any failure.
 */
import { parentPort, workerData } from "node:worker_threads";
import { hashSourceNar } from "./source-nar.ts";

const { path } = workerData as { path: string };
parentPort!.postMessage(await hashSourceNar(path).catch(() => undefined));

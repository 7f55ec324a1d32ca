import { parentPort } from "node:worker_threads";
import { prepareEvent } from "./prepare.js";
import type { AuditEvent } from "./types.js";
import { messageOf } from "../errors.js";

/** A worker thread that redacts and bounds large audit events (see prepare-thread.ts). */

export interface PrepareJob {
  id: number;
  event: AuditEvent;
  secrets: string[];
}

const port = parentPort;
if (!port) throw new Error("prepare-worker runs as a worker thread");
port.on("message", (job: PrepareJob) => {
  try {
    port.postMessage({ id: job.id, event: prepareEvent(job.event, { secrets: job.secrets }) });
  } catch (error) {
    port.postMessage({ id: job.id, error: messageOf(error) });
  }
});

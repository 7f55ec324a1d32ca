import { Worker } from "node:worker_threads";
import type { PrepareJob } from "./prepare-worker.js";
import type { AuditEvent } from "./types.js";

/**
 * Redacts and bounds large audit events on a worker thread. Redaction reads the whole text (a
 * megabyte-long statement and its analysis take it a hundred milliseconds or more), and done on the
 * event loop that would hold up every other session. A thread that fails or does not answer in time
 * rejects the append, which the gateway answers with a denial.
 */
export class PrepareThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (event: AuditEvent) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private readonly timeoutMs: number;

  constructor(timeoutMs = 30_000) {
    this.timeoutMs = timeoutMs;
  }

  prepare(event: AuditEvent, secrets: readonly string[]): Promise<AuditEvent> {
    const worker = (this.worker ??= this.spawn());
    const job: PrepareJob = { id: this.nextId++, event, secrets: [...secrets] };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(worker, new Error(`preparing the audit record took longer than ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting.set(job.id, { resolve, reject, timer });
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL("./prepare-worker.js", import.meta.url));
    worker.unref();
    worker.on("message", (message: { id: number; event?: AuditEvent; error?: string }) => {
      const waiting = this.waiting.get(message.id);
      if (!waiting) return;
      this.waiting.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.event) waiting.resolve(message.event);
      else waiting.reject(new Error(`the audit record could not be prepared: ${message.error ?? "no answer"}`));
    });
    worker.on("error", (error) => this.fail(worker, error));
    worker.on("exit", () => this.fail(worker, new Error("the audit preparation thread exited")));
    return worker;
  }

  /** Rejects everything the thread held; the next event starts a new one. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
      this.waiting.delete(id);
    }
  }
}

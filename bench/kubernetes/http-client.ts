import { Agent, request } from "node:https";
import { usSince } from "../support/stats.js";

/** One endpoint (the apiserver, or a target on the gateway) with a bearer token and a keep-alive connection. */
export interface Endpoint {
  name: string;
  /** https://HOST:PORT[/targets/NAME], without a trailing slash. */
  base: string;
  caPem: string;
  token: string;
}

/** GETs `path` and reads the whole answer; resolves with its status, size and time (µs). */
export function timedGet(endpoint: Endpoint, agent: Agent, path: string): Promise<{ status: number; bytes: number; us: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint.base}${path}`, { agent, ca: endpoint.caPem, headers: { authorization: `Bearer ${endpoint.token}`, accept: "application/json" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, us: usSince(started) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Opens a watch and counts the events (lines) that arrive; `stop()` ends it. The count is read at any
 * time, so two watchers on the same stream of changes can be compared.
 */
export function countWatchEvents(endpoint: Endpoint, path: string): { count(): number; stop(): void } {
  let events = 0;
  const req = request(`${endpoint.base}${path}`, { ca: endpoint.caPem, headers: { authorization: `Bearer ${endpoint.token}`, accept: "application/json" } }, (res) => {
    res.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) events++;
    });
    res.on("error", () => undefined);
  });
  req.on("error", () => undefined);
  req.end();
  return { count: () => events, stop: () => req.destroy() };
}

import { Agent, request } from "node:http";

/** Keep-alive HTTP to an OPA server's Data API on loopback. */
export class OpaClient {
  private readonly agent: Agent;
  private readonly port: number;
  private readonly path: string;

  constructor(port: number, path: string, maxSockets: number) {
    this.port = port;
    this.path = path;
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** POSTs `{"input": …}` (already serialized) and returns the `result` field of the answer. */
  query(body: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          path: this.path,
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (response.statusCode !== 200) {
              reject(new Error(`OPA answered ${response.statusCode}: ${text.slice(0, 300)}`));
              return;
            }
            const parsed: unknown = JSON.parse(text);
            resolve(typeof parsed === "object" && parsed !== null ? (parsed as { result?: unknown }).result : undefined);
          });
          response.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

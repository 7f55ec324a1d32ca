import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

export interface TlsFront {
  /** https://127.0.0.1:<port>: what people reach the console at. */
  url: string;
  close(): Promise<void>;
}

/**
 * A TLS-terminating front for the gateway's HTTP listener, as a reverse proxy in front of a deployed
 * console would be: a self-signed certificate for 127.0.0.1, every request passed through unchanged.
 */
export async function startTlsFront(upstream: string): Promise<TlsFront> {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], { keySize: 2048, algorithm: "sha256", extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }] });
  const target = new URL(upstream);
  const server: Server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The ceiling a Node.js proxy can reach on this machine: a do-nothing TCP pipe to the server, one
 * process of its own like the gateway, with no protocol reading at all (`client.pipe(server)` both
 * ways). Whatever share of direct TPS it gets, no Node.js gateway gets more. Prints `READY {port}`
 * and exits on SIGTERM.
 */
import { connect, createServer } from "node:net";

const [host, port] = [process.argv[2] ?? "127.0.0.1", Number(process.argv[3])];
const server = createServer((client) => {
  client.setNoDelay(true);
  const upstream = connect({ host, port });
  upstream.setNoDelay(true);
  client.pipe(upstream).on("error", () => upstream.destroy());
  upstream.pipe(client).on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`READY ${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`);
});
process.on("SIGTERM", () => process.exit(0));

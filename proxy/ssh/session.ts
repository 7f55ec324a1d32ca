import { randomUUID } from "node:crypto";
import type { AuthContext, Client as SshClient, Connection, ServerChannel } from "ssh2";
import type { SshTarget } from "../../engine/config/types.js";
import { messageOf } from "../../engine/errors.js";
import type { Identity, SessionInfo } from "../../engine/policy/types.js";
import { RequestGate } from "../gate/request-gate.js";
import type { SessionWatch } from "../gate/types.js";
import { userNameMatches, unsafeName, visibleName } from "../postgres/login-name.js";
import type { SshGatewayContext } from "./context.js";
import { serveSessionChannel } from "./session-channel.js";
import { CERT_TYPE } from "./certificates/user-certificate.js";
import { parseLoginName } from "./login-name.js";
import { connectUpstream } from "./upstream.js";

const AUTH_METHODS: Array<"publickey" | "password" | "keyboard-interactive"> = ["publickey", "password", "keyboard-interactive"];

/** What a login presented: a token (password or keyboard-interactive answer) or a gateway certificate. */
type Credential = { token: string } | { certificate: Buffer; proof?: { signed: Buffer; signature: Buffer } };

/**
 * One client connection: a certificate from the gateway's CA (no prompt), or a token as the password
 * or keyboard-interactive answer, is checked for the target the login name `USER+TARGET` names; then
 * each session channel's exec or shell is one request through the session's request gate
 * (session-channel.ts). Port, agent and X11 forwarding are refused.
 */
export function runSession(client: Connection, clientAddr: string, context: SshGatewayContext): void {
  const sessionId = randomUUID();
  let login: { identity: Identity; target: SshTarget; watch?: SessionWatch } | undefined;
  client.on("error", (error: Error) => context.log(`ssh session ${sessionId}: ${messageOf(error)}`));
  client.on("authentication", (auth: AuthContext) => {
    if (auth.method === "password") void authenticate(auth, { token: auth.password });
    else if (auth.method === "keyboard-interactive") auth.prompt([{ prompt: "Portcullis token: ", echo: false }], (answers) => void authenticate(auth, { token: answers[0] ?? "" }));
    else if (auth.method === "publickey" && auth.key.algo === CERT_TYPE) {
      // Without a signature the client only asks whether this key would do: a valid certificate of
      // this gateway's CA would. A refused certificate is audited either way.
      const proof = auth.signature && auth.blob ? { signed: auth.blob, signature: auth.signature } : undefined;
      void authenticate(auth, proof ? { certificate: auth.key.data, proof } : { certificate: auth.key.data });
    } else auth.reject(AUTH_METHODS);
  });

  const authenticate = async (auth: AuthContext, credential: Credential): Promise<void> => {
    const name = auth.username;
    const refuse = (code: string, detail: string, target = ""): void => {
      context.record({ type: "auth_failure", protocol: "ssh", session_id: sessionId, client_addr: clientAddr, target: visibleName(target), user: visibleName(name), code, detail: visibleName(detail, 2000) }).catch(() => undefined);
      auth.reject(AUTH_METHODS);
    };
    if (unsafeName(name)) return refuse("invalid_name", `login name: ${unsafeName(name)}`);
    const parsed = parseLoginName(name);
    if (!parsed) return refuse("invalid_name", "the login name must be USER+TARGET");
    const verified = "token" in credential ? await context.authenticate(credential.token, parsed.target) : context.authenticateCertificate(credential.certificate, parsed.target, credential.proof);
    if (!verified.ok) return refuse(verified.code, verified.detail, parsed.target);
    const target = context.target(parsed.target);
    if (!target) return refuse("unknown_target", `no SSH target named ${visibleName(parsed.target)}`, parsed.target);
    if (!userNameMatches(parsed.user, verified.identity)) return refuse("user_mismatch", `user name ${JSON.stringify(parsed.user)} is not ${verified.identity.subject}`, parsed.target);
    // A key check (no signature yet) answers "this key would do"; only a signed login logs in.
    if ("certificate" in credential && !credential.proof) return auth.accept();
    login = { identity: verified.identity, target, ...(verified.watch ? { watch: verified.watch } : {}) };
    auth.accept();
  };

  client.on("ready", () => {
    if (!login) return client.end();
    start(client, sessionId, clientAddr, login.identity, login.target, context, login.watch);
  });
}

function start(client: Connection, sessionId: string, clientAddr: string, identity: Identity, target: SshTarget, context: SshGatewayContext, watch?: SessionWatch): void {
  // The client opens its channels right after authentication: their handlers are attached now, and
  // each waits for the session's start to be audited (nothing runs unaudited: without the audit log
  // there is no session).
  const started = context.record({ type: "session_start", protocol: "ssh", session_id: sessionId, client_addr: clientAddr, identity, target: target.name }).then(
    () => true,
    () => {
      context.log(`ssh session ${sessionId}: the audit log is unavailable, closing`);
      client.end();
      return false;
    },
  );
  const session: SessionInfo = { id: sessionId, protocol: "ssh", client_addr: clientAddr, started_at: new Date().toISOString() };
  const gate = new RequestGate(context, { identity, session, target });
  let upstream: Promise<SshClient> | undefined;
  const closed = new AbortController();
  const streams = new Set<ServerChannel>();
  let endReason: string | undefined;
  const exec = {
    closed: closed.signal,
    interactive: target.interactive,
    gate,
    upstream: () => (upstream ??= connectUpstream(target).catch((error: unknown) => {
      upstream = undefined;
      throw error;
    })),
    record: (event: Parameters<SshGatewayContext["record"]>[0]) => void context.record(event).catch((error: unknown) => context.log(`recording failed: ${messageOf(error)}`)),
    log: context.log,
    opened: (stream: ServerChannel) => {
      streams.add(stream);
      stream.once("close", () => streams.delete(stream));
    },
  };

  // The target's login starts now, beside the client's first request and its decision, instead of
  // after them: a round trip pays for the longer of the two, not both. (A login that fails is
  // retried by the first request that needs it.)
  exec.upstream().catch(() => undefined);
  client.on("session", (accept) => {
    const channel = accept();
    if (channel) serveSessionChannel(exec, channel, started);
  });
  // The connection ends when its identity does (a token in its chain expires, a revocation reaches
  // it): every running exec or shell is told why on stderr and ends with status 255 (as ssh's own
  // failures), then the connection closes once the client had a moment to print it.
  const unwatch = watch?.(session, (reason) => {
    endReason = `identity ended: ${reason}`;
    for (const stream of streams) {
      stream.stderr.write(`Portcullis: session ended: ${reason}\r\n`);
      stream.exit(255);
      stream.end();
    }
    setTimeout(() => client.end(), streams.size > 0 ? 200 : 0).unref();
  });
  // Port forwarding either way: -L opens direct-tcpip channels, -R asks for tcpip-forward.
  client.on("tcpip", (_accept, reject) => reject());
  client.on("request", (_accept, reject) => reject?.());
  client.on("close", () => {
    closed.abort();
    void upstream?.then((c) => c.end()).catch(() => undefined);
    unwatch?.();
    context.record({ type: "session_end", session_id: sessionId, reason: endReason ?? "client closed the connection" }).catch(() => undefined);
  });
}

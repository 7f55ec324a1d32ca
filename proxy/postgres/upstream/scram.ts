import { createRequire } from "node:module";

/**
 * SCRAM-SHA-256 client (RFC 5802/7677) for the gateway's upstream login. node-postgres's
 * implementation (SASLprep, nonce checks, server-signature verification) is used as is rather than
 * rewritten: it is what every node-postgres user authenticates with.
 */
interface ScramSession {
  mechanism: string;
  response: string;
}

interface SaslModule {
  startSession(mechanisms: string[], stream?: unknown): ScramSession;
  continueSession(session: ScramSession, password: string, serverData: string, stream?: unknown): Promise<void>;
  finalizeSession(session: ScramSession, serverData: string): void;
}

const sasl = createRequire(import.meta.url)("pg/lib/crypto/sasl.js") as SaslModule;

export class ScramClient {
  private readonly session: ScramSession;
  private readonly password: string;

  /** Picks SCRAM-SHA-256 among the server's mechanisms (channel binding is not offered). */
  constructor(mechanisms: string[], password: string) {
    this.session = sasl.startSession(mechanisms.filter((m) => m === "SCRAM-SHA-256"));
    this.password = password;
  }

  get mechanism(): string {
    return this.session.mechanism;
  }

  /** The client-first message. */
  get initialResponse(): string {
    return this.session.response;
  }

  /** Answers the server-first message with the client-final message. */
  async respond(serverFirst: string): Promise<string> {
    await sasl.continueSession(this.session, this.password, serverFirst);
    return this.session.response;
  }

  /** Verifies the server's signature: a server that does not know the password cannot fake it. */
  finish(serverFinal: string): void {
    sasl.finalizeSession(this.session, serverFinal);
  }
}

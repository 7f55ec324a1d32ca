import type { IncomingMessage } from "node:http";
import type { IdentityService, VerifiedIdentity } from "../../engine/identity/index.js";
import { GENERIC_AUTHENTICATION_FAILURE } from "../../engine/identity/index.js";
import { bearerToken, HttpError } from "./respond.js";
import type { AuthLog } from "./route-types.js";

/**
 * The verified identity behind a request's `Authorization: Bearer` token. A missing or refused token
 * is a 401 with a generic message; why it was refused goes to the auth log as `event`, never to the client.
 */
export async function bearerCaller(req: IncomingMessage, identity: IdentityService, log: AuthLog, event: string): Promise<VerifiedIdentity> {
  const token = bearerToken(req);
  if (!token) throw new HttpError(401, "invalid_token", "send Authorization: Bearer <token>");
  const result = await identity.verify(token);
  if (!result.ok) {
    log({ event, code: result.code, detail: result.detail, client_addr: req.socket.remoteAddress ?? "" });
    throw new HttpError(401, "invalid_token", GENERIC_AUTHENTICATION_FAILURE);
  }
  return result;
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { IdentityService } from "../../engine/identity/index.js";
import { bearerCaller } from "./bearer-caller.js";
import { HttpError, readParams, sendJson, wholeNumber } from "./respond.js";
import type { AuthLog } from "./route-types.js";
import type { RevocationEvent } from "../../engine/audit/types.js";
import { messageOf } from "../../engine/errors.js";

/** Subjects and token ids as issuers write them; control characters or a novel's worth are a mistake. */
const NAME = /^[^\u0000-\u001f\u007f]{1,512}$/;

/**
 * `POST /v1/revocations`: an admin (a member of identity.admin_groups, in person) revokes
 *   subject=S [issuer=URL]    every token S holds now (from that issuer, or any), gateway tokens and
 *                             delegated tokens naming S as person or agent included;
 *   token_id=J [expires_at=N] one token by its jti, and every gateway token exchanged from it.
 * It holds on this instance at once and, with a shared store, on every instance within its poll; open
 * sessions resting on a revoked token end (the gateway's live-session watch). Answers what was revoked.
 */
export async function revokeEndpoint(req: IncomingMessage, res: ServerResponse, identity: IdentityService, log: AuthLog, record?: (event: RevocationEvent) => Promise<void>): Promise<void> {
  const caller = await bearerCaller(req, identity, log, "revocation_rejected");
  if (!identity.isAdmin(caller.identity)) {
    log({ event: "revocation_refused", subject: caller.identity.subject, detail: "not an admin" });
    throw new HttpError(403, "not_an_admin", "only members of identity.admin_groups, in person, may revoke");
  }
  const params = await readParams(req);
  const subject = params.get("subject");
  const tokenId = params.get("token_id");
  if ((subject === null) === (tokenId === null)) throw new HttpError(400, "invalid_request", "name exactly one of subject or token_id");
  const by = caller.identity.subject;
  if (subject !== null) {
    const issuer = params.get("issuer") ?? undefined;
    if (!NAME.test(subject) || (issuer !== undefined && !NAME.test(issuer))) throw new HttpError(400, "invalid_request", "subject and issuer must be 1 to 512 printable characters");
    await identity.revokeSubject(subject, issuer);
    log({ event: "subject_revoked", subject, issuer: issuer ?? "*", by });
    await audited(record, { type: "revocation", by, subject, issuer: issuer ?? "*" }, log);
    return sendJson(res, 200, { revoked: { subject, issuer: issuer ?? "*" }, by });
  }
  if (!NAME.test(tokenId!)) throw new HttpError(400, "invalid_request", "token_id must be 1 to 512 printable characters");
  const expiresParam = params.get("expires_at");
  const expiresAt = expiresParam === null ? undefined : wholeNumber(expiresParam, "expires_at (epoch seconds)", 1, 32_503_680_000);
  await identity.revokeToken(tokenId!, expiresAt);
  log({ event: "token_revoked", token_id: tokenId, by });
  await audited(record, { type: "revocation", by, token_id: tokenId! }, log);
  sendJson(res, 200, { revoked: { token_id: tokenId }, by });
}

/**
 * The revocation is in force before it is audited: an audit log that is down must not keep an
 * off-boarded person in. A record that fails is reported in the gateway's log instead.
 */
async function audited(record: ((event: RevocationEvent) => Promise<void>) | undefined, event: RevocationEvent, log: AuthLog): Promise<void> {
  if (!record) return;
  await record(event).catch((error: unknown) => log({ event: "revocation_not_audited", detail: messageOf(error), by: event.by }));
}

import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import type { RawRequest } from "../actions/types.js";
import { messageOf } from "../errors.js";
import type { ApprovalGrant, Identity } from "../policy/types.js";
import { isListedApprover, isRequester } from "./approvers.js";
import { decidedEvent, requestedEvent, type ApprovalAuditEvent } from "./audit-events.js";
import { ApprovalError } from "./errors.js";
import { newApprovalId, requestHash } from "./request-hash.js";
import type { ApprovalPatch, ApprovalStore } from "./store.js";
import { GRANT_USES, type ApprovalRequest, type ApprovalStatus, type DecideOptions, type DecisionOutcome, type GrantQuery, type NewApproval } from "./types.js";
import { validateNewApproval } from "./validate.js";
import { WebhookSender, type WebhookConfig } from "./webhook.js";
import { boundEvent } from "../audit/bound.js";
import type { AuditEvent } from "../audit/types.js";

const DEFAULT_EXPIRES_IN_SECONDS = 900;
/** setTimeout's longest delay; a longer wait is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Compare-and-set retries before giving up on a request that keeps changing under us. */
const MAX_RACES = 50;

export interface ApprovalServiceOptions {
  store: ApprovalStore;
  /** Appends an audit event durably (AuditLog.append); a failure is reported to the caller. */
  audit?: (event: ApprovalAuditEvent) => Promise<unknown>;
  webhook?: WebhookConfig;
  /** The clock (tests move it); timers still run on real time. */
  now?: () => Date;
  log: (line: string) => void;
  /** How often a wait reads its request again without being told of a change (default 5000 ms). */
  pollIntervalMs?: number;
  /** How often pending requests past their expiry are marked expired (default 10 s; 0: only when read). */
  sweepIntervalMs?: number;
}

export interface FoundGrant {
  request: ApprovalRequest;
  /** What goes into the policy input as `approval`. */
  grant: ApprovalGrant;
}

export type ApprovalEvent = "created" | "decided";

interface Waiter {
  check(): void;
  close(error: Error): void;
}

/**
 * Human approval for requests a policy holds: creates requests, lets listed approvers decide them,
 * releases waiting holds, and hands out the grants that let an approved request through. All state is
 * in the store, so several services (gateway instances) over one shared store behave as one: every
 * change is a compare-and-set, and a change on one instance wakes waits on the others.
 *
 * `created` and `decided` events fire for changes this instance made (`decided` covers approved,
 * denied, expired and cancelled); each is audited and sent to the webhook.
 */
export class ApprovalService {
  private readonly store: ApprovalStore;
  private readonly audit: ApprovalServiceOptions["audit"];
  private readonly webhook: WebhookSender | undefined;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly pollIntervalMs: number;
  private readonly emitter = new EventEmitter();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private unwatch: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: ApprovalServiceOptions) {
    this.store = options.store;
    this.audit = options.audit;
    this.webhook = options.webhook ? new WebhookSender(options.webhook, options.log) : undefined;
    this.now = options.now ?? (() => new Date());
    this.log = options.log;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
  }

  /** Starts over `store` (which the service then owns and closes), expiring what lapsed while it was down. */
  static async start(options: ApprovalServiceOptions): Promise<ApprovalService> {
    const service = new ApprovalService(options);
    service.unwatch = options.store.watch?.((id) => service.wake(id));
    await service.expireDue();
    const sweep = options.sweepIntervalMs ?? 10_000;
    if (sweep > 0) {
      service.sweeper = setInterval(() => void service.expireDue().catch((error: unknown) => service.log(`approvals: expiring lapsed requests failed: ${messageOf(error)}`)), sweep);
      service.sweeper.unref();
    }
    return service;
  }

  on(event: ApprovalEvent, listener: (request: ApprovalRequest) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  off(event: ApprovalEvent, listener: (request: ApprovalRequest) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** Stores a pending request and audits `approval_requested`; throws INVALID for a malformed one. */
  async create(input: NewApproval): Promise<ApprovalRequest> {
    this.assertOpen();
    validateNewApproval(input);
    const created = this.now();
    const expiresIn = input.expires_in_seconds ?? DEFAULT_EXPIRES_IN_SECONDS;
    const request: ApprovalRequest = {
      id: newApprovalId(),
      status: "pending",
      version: 1,
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + expiresIn * 1000).toISOString(),
      mode: input.mode,
      requester: structuredClone(input.requester),
      target: structuredClone(input.target),
      session_id: input.session_id,
      request: structuredClone(input.request),
      // Bound to the whole text; stored and shown cut (a 4 MB statement must not make every page 4 MB).
      request_hash: requestHash(input.requester, input.target, input.request),
      action: structuredClone(input.action),
      reasons: [...input.reasons],
      approvers: [...input.approvers],
      ttl_seconds: input.ttl_seconds,
    };
    const bounded = boundEvent({ type: "approval_requested", request: request.request, action: request.action, reasons: request.reasons } as unknown as AuditEvent) as unknown as Pick<ApprovalRequest, "request" | "action" | "reasons" | "truncated">;
    if (bounded.truncated) Object.assign(request, { request: bounded.request, action: bounded.action, reasons: bounded.reasons, truncated: bounded.truncated });
    await this.store.create(request);
    try {
      await this.audit?.(requestedEvent(request));
    } catch (error) {
      // Unaudited, it must not be decided: withdraw it (best effort) and refuse.
      await this.store.update(request.id, request.version, { status: "cancelled", decision_reason: "the request could not be audited" }).catch(() => undefined);
      throw new ApprovalError("AUDIT_FAILED", `approval ${request.id} could not be audited: ${messageOf(error)}`, { cause: error });
    }
    this.emitter.emit("created", request);
    this.webhook?.send("approval.created", request);
    return request;
  }

  /** The request, marked expired first when its time has passed; undefined when there is none. */
  async get(id: string): Promise<ApprovalRequest | undefined> {
    this.assertOpen();
    const found = await this.store.get(id);
    return found && this.expireIfDue(found);
  }

  /** Newest first. */
  async list(options: { status?: ApprovalStatus; limit?: number } = {}): Promise<ApprovalRequest[]> {
    this.assertOpen();
    await this.expireDue();
    return this.store.list(options);
  }

  /**
   * Approves or denies a pending request as `approver`. Refused with SELF_APPROVAL for the requester
   * (same issuer and subject), NOT_AN_APPROVER for anyone the request does not list, EXPIRED or
   * NOT_PENDING when it is no longer pending, NOT_FOUND. Audits `approval_decided`.
   */
  async decide(id: string, approver: Identity, outcome: DecisionOutcome, options: DecideOptions = {}): Promise<ApprovalRequest> {
    this.assertOpen();
    if (outcome !== "approve" && outcome !== "deny") throw new ApprovalError("INVALID", `outcome must be approve or deny (got ${String(outcome)})`);
    const use = options.use ?? "once";
    if (!GRANT_USES.includes(use)) throw new ApprovalError("INVALID", `use must be once or window (got ${String(use)})`);
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(id);
      if (!current) throw new ApprovalError("NOT_FOUND", `no approval request ${id}`);
      if (isRequester(current, approver)) throw new ApprovalError("SELF_APPROVAL", `${approver.subject} requested ${id} and cannot decide it; another approver (${current.approvers.join(", ")}) must`);
      if (!isListedApprover(current, approver)) throw new ApprovalError("NOT_AN_APPROVER", `${approver.subject} is not an approver of ${id}; it needs one of ${current.approvers.join(", ") || "(nobody)"}`);
      if (current.status === "expired") throw new ApprovalError("EXPIRED", `approval request ${id} expired at ${current.expires_at}`);
      if (current.status !== "pending") throw new ApprovalError("NOT_PENDING", `approval request ${id} is already ${current.status}${current.decided_by ? ` by ${current.decided_by}` : ""}`);
      const decidedAt = this.now();
      const patch: ApprovalPatch = { status: outcome === "approve" ? "approved" : "denied", decided_by: approver.subject, decided_at: decidedAt.toISOString() };
      if (options.reason !== undefined && options.reason !== "") patch.decision_reason = options.reason;
      if (outcome === "approve") {
        // A held statement is released by this very decision: that is its first use.
        patch.grant = { use, expires_at: new Date(decidedAt.getTime() + current.ttl_seconds * 1000).toISOString(), uses: current.mode === "hold" ? 1 : 0 };
      }
      const updated = await this.store.update(id, current.version, patch);
      if (updated) return this.settled(updated, true);
    }
    throw new ApprovalError("STORE_FAILED", `approval request ${id} kept changing; try again`);
  }

  /** Withdraws a pending request (its holding client went away); a decided one is returned as it is. */
  async cancel(id: string, reason: string): Promise<ApprovalRequest> {
    this.assertOpen();
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(id);
      if (!current) throw new ApprovalError("NOT_FOUND", `no approval request ${id}`);
      if (current.status !== "pending") return current;
      const updated = await this.store.update(id, current.version, { status: "cancelled", decision_reason: reason });
      if (updated) return this.settled(updated, true);
    }
    throw new ApprovalError("STORE_FAILED", `approval request ${id} kept changing; try again`);
  }

  /**
   * Resolves once the request is no longer pending (approved, denied, expired or cancelled), whichever
   * instance changed it; rejects with `signal.reason` when aborted, NOT_FOUND, or a store failure.
   */
  waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest> {
    if (this.closed) return Promise.reject(new ApprovalError("CLOSED", "the approval service is closed"));
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<ApprovalRequest>((resolve, reject) => {
      let done = false;
      let checking = false;
      let again = false;
      let expiry: NodeJS.Timeout | undefined;
      const poll = setInterval(() => waiter.check(), this.pollIntervalMs);
      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        clearInterval(poll);
        clearTimeout(expiry);
        signal.removeEventListener("abort", onAbort);
        const set = this.waiters.get(id);
        set?.delete(waiter);
        if (set?.size === 0) this.waiters.delete(id);
        settle();
      };
      const onAbort = (): void => finish(() => reject(signal.reason as Error));
      const look = async (): Promise<void> => {
        again = false;
        const current = await this.get(id);
        if (!current) return finish(() => reject(new ApprovalError("NOT_FOUND", `no approval request ${id}`)));
        if (current.status !== "pending") return finish(() => resolve(current));
        clearTimeout(expiry);
        const left = Date.parse(current.expires_at) - this.now().getTime();
        expiry = setTimeout(() => waiter.check(), Math.min(Math.max(0, left) + 5, MAX_TIMER_MS));
      };
      const waiter: Waiter = {
        check: () => {
          if (done) return;
          if (checking) {
            again = true; // a change arrived while reading: read once more after this one
            return;
          }
          checking = true;
          look().then(
            () => {
              checking = false;
              if (again) waiter.check();
            },
            (error: unknown) => finish(() => reject(error)),
          );
        },
        close: (error) => finish(() => reject(error)),
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const set = this.waiters.get(id) ?? new Set<Waiter>();
      set.add(waiter);
      this.waiters.set(id, set);
      waiter.check();
    });
  }

  /**
   * Ticket mode: an approved request bound to this exact request (same identity, target and text)
   * whose grant has not expired. A `once` grant is consumed here, by compare-and-set, so of two
   * concurrent calls (on any instances) exactly one gets it.
   */
  async findGrant(query: GrantQuery): Promise<FoundGrant | undefined> {
    this.assertOpen();
    const hash = requestHash(query.requester, query.target, query.request);
    const candidates = await this.store.list({ status: "approved", request_hash: hash });
    for (let candidate of candidates) {
      for (let race = 0; race < MAX_RACES; race++) {
        if (!this.grants(candidate, query, hash)) break;
        const grant = candidate.grant!;
        const updated = await this.store.update(candidate.id, candidate.version, { grant: { ...grant, uses: grant.uses + 1 } });
        if (updated) return { request: updated, grant: { id: updated.id, granted_by: updated.decided_by ?? "", expires_at: grant.expires_at } };
        const reread = await this.store.get(candidate.id);
        if (!reread) break;
        candidate = reread;
      }
    }
    return undefined;
  }

  /** Stops timers and waits (they reject with CLOSED), flushes the webhook briefly, closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.unwatch?.();
    const closing = new ApprovalError("CLOSED", "the approval service is closed");
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.close(closing);
    await this.webhook?.close();
    await this.store.close();
  }

  /** Marks every pending request past its expiry as expired. */
  async expireDue(): Promise<void> {
    const now = this.now().getTime();
    for (const request of await this.store.list({ status: "pending" })) {
      if (Date.parse(request.expires_at) <= now) await this.expireIfDue(request);
    }
  }

  /** Whether `r`'s grant lets `query` through now. */
  private grants(r: ApprovalRequest, query: GrantQuery, hash: string): boolean {
    const grant = r.grant;
    if (r.status !== "approved" || !grant || r.request_hash !== hash) return false;
    // The hash binds these; checking them again costs nothing and does not rest on the hash alone.
    if (!isRequester(r, query.requester) || r.target.name !== query.target.name || !sameRequest(r.request, query.request)) return false;
    if (Date.parse(grant.expires_at) <= this.now().getTime()) return false;
    return grant.use === "window" || grant.uses < 1;
  }

  private async expireIfDue(request: ApprovalRequest): Promise<ApprovalRequest> {
    let current = request;
    for (let race = 0; race < MAX_RACES; race++) {
      if (current.status !== "pending" || Date.parse(current.expires_at) > this.now().getTime()) return current;
      const updated = await this.store.update(current.id, current.version, { status: "expired" });
      if (updated) return this.settled(updated, false);
      const reread = await this.store.get(current.id);
      if (!reread) return current;
      current = reread;
    }
    return current;
  }

  /**
   * After this instance moved a request out of pending: audit it, wake local waits (other instances
   * hear of it from the store), tell listeners and the webhook. An audit failure is thrown to whoever
   * decided (`strict`) or logged (an expiry noticed while reading).
   */
  private async settled(request: ApprovalRequest, strict: boolean): Promise<ApprovalRequest> {
    let failure: unknown;
    try {
      await this.audit?.(decidedEvent(request));
    } catch (error) {
      failure = error;
      this.log(`approvals: auditing the ${request.status} of ${request.id} failed: ${messageOf(error)}`);
    }
    this.wake(request.id);
    this.emitter.emit("decided", request);
    this.webhook?.send("approval.decided", request);
    if (failure !== undefined && strict) throw new ApprovalError("AUDIT_FAILED", `approval ${request.id} is ${request.status}, but auditing it failed: ${messageOf(failure)}`, { cause: failure });
    return request;
  }

  /** Waits on `id` (all waits when undefined: changes may have been missed) read their request again. */
  private wake(id: string | undefined): void {
    const sets = id === undefined ? [...this.waiters.values()] : [this.waiters.get(id)];
    for (const set of sets) for (const waiter of set ?? []) waiter.check();
  }

  private assertOpen(): void {
    if (this.closed) throw new ApprovalError("CLOSED", "the approval service is closed");
  }
}

/**
 * The stored request is the one asked about: the same kind and text. A stored text cut to keep the
 * record small is compared by the whole text's SHA-256.
 */
function sameRequest(stored: ApprovalRequest["request"], asked: RawRequest): boolean {
  if (stored.kind !== asked.kind) return false;
  if (stored.text_sha256 === undefined) return stored.text === asked.text;
  return stored.text_sha256 === createHash("sha256").update(asked.text, "utf8").digest("hex");
}

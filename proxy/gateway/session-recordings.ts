import { messageOf } from "../../engine/errors.js";
import type { Identity, Protocol, Target } from "../../engine/policy/types.js";
import { SessionRecorder, type PendingRequest } from "../../engine/recording/session-recorder.js";
import type { SessionEvent } from "../gate/types.js";

interface LiveSession {
  /** The recording, once it has started (undefined after it failed to start). */
  recorder: SessionRecorder | undefined;
  /** Settles once the recording has started or failed to. */
  started: Promise<void>;
  /** Events that arrived before the recording started, in order; undefined once it has. */
  backlog: RequestEvent[] | undefined;
  /** Decided requests waiting for their first result, by the request's number in the session. */
  waiting: Map<number, PendingRequest>;
  /** Refused requests among them, with the policy's reasons: ended as refused if no error is reported. */
  refused: Map<number, string>;
}

type RequestEvent = Extract<SessionEvent, { type: "decision" | "result" | "terminal" }>;

/**
 * Turns a session's events into its recording (schemas/recording.json): one file per session, one
 * request line per decision, finished with the first result of that request (results name their
 * request by its number in the session). A recording that cannot be written is logged and dropped;
 * the audit log, not the recording, is what gates forwarding. Once a recording has started, events are
 * taken as they come, without a promise each; those that arrive while its file is being created wait,
 * in order.
 */
export class SessionRecordings {
  private readonly dir: string;
  private readonly secrets: string[];
  private readonly log: (line: string) => void;
  private readonly live = new Map<string, LiveSession>();
  /** Recordings being ended (their last lines written, their files closed): close() waits for them too. */
  private readonly ending = new Set<Promise<void>>();

  constructor(dir: string, secrets: string[], log: (line: string) => void) {
    this.dir = dir;
    this.secrets = secrets;
    this.log = log;
  }

  handle(event: SessionEvent, targetOf: (name: string, protocol: Protocol) => Target, revision: () => string): void {
    switch (event.type) {
      case "session_start":
        this.start(event.session_id, event.client_addr, event.identity, targetOf(event.target, event.protocol), revision());
        return;
      case "decision":
      case "result":
      case "terminal": {
        const session = this.live.get(event.session_id);
        if (session?.backlog) session.backlog.push(event);
        else if (session?.recorder) this.take(session, session.recorder, event);
        return;
      }
      case "session_end":
        this.end(event.session_id, event.reason);
        return;
      case "auth_failure":
        return;
    }
  }

  private start(id: string, clientAddr: string, identity: Identity, target: Target, revision: string): void {
    const session: LiveSession = { recorder: undefined, started: Promise.resolve(), backlog: [], waiting: new Map(), refused: new Map() };
    session.started = SessionRecorder.start(
      this.dir,
      { session: { id, protocol: target.type, client_addr: clientAddr, started_at: new Date().toISOString() }, identity, target, policy_revision: revision },
      { secrets: this.secrets },
    ).then(
      (recorder) => {
        session.recorder = recorder;
        const backlog = session.backlog ?? [];
        session.backlog = undefined;
        for (const event of backlog) this.take(session, recorder, event);
      },
      (error: unknown) => {
        session.backlog = undefined;
        this.log(`recording of session ${id} could not start: ${messageOf(error)}`);
      },
    );
    this.live.set(id, session);
  }

  private take(session: LiveSession, recorder: SessionRecorder, event: RequestEvent): void {
    try {
      switch (event.type) {
        case "decision": {
          const { verdict } = event;
          const pending = recorder.request({ request: event.request, decision: verdict.decision, decide_us: verdict.timings.normalize_us + verdict.timings.evaluate_us });
          // A refused request's line waits too: its proxy reports the error the client got, in its own terms.
          session.waiting.set(event.request_id, pending);
          if (verdict.effect === "deny" || verdict.effect === "approval") session.refused.set(event.request_id, verdict.decision.reasons.join("; "));
          return;
        }
        case "result": {
          const pending = session.waiting.get(event.request_id);
          if (!pending) return;
          session.waiting.delete(event.request_id);
          session.refused.delete(event.request_id);
          pending.finish(event.result, event.duration_us);
          return;
        }
        case "terminal":
          recorder.terminal(event.event, event.event === "resize" ? event.size : event.data, session.waiting.get(event.request_id)?.seq);
          return;
      }
    } catch (error) {
      this.log(`recording of session ${event.session_id} failed: ${messageOf(error)}`);
    }
  }

  /** Ends a session's recording; close() waits for it. */
  private end(id: string, reason: string): Promise<void> {
    const session = this.live.get(id);
    if (!session) return Promise.resolve();
    this.live.delete(id);
    const ending = this.finish(id, session, reason);
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
    return ending;
  }

  private async finish(id: string, session: LiveSession, reason: string): Promise<void> {
    await session.started;
    const recorder = session.recorder;
    for (const [requestId, reasons] of session.refused) session.waiting.get(requestId)?.finish({ error: { message: reasons } }, 0);
    await recorder?.end(reason).catch((error: unknown) => this.log(`recording of session ${id} could not be closed: ${messageOf(error)}`));
  }

  /** Ends every open recording and waits for those already ending: nothing written is lost at shutdown. */
  async close(): Promise<void> {
    for (const id of [...this.live.keys()]) this.end(id, "gateway shutdown");
    await Promise.all([...this.ending]);
  }
}

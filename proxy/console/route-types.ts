import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleSessions } from "./console-session.js";
import type { Viewer } from "./layout.js";
import type { ConsoleOptions } from "./options.js";
import type { ConsoleSignIn } from "./sign-in.js";

/** What the console and its route handlers share (type-only, so routes do not import the console). */

/** What every console handler shares. */
export interface ConsoleContext {
  options: ConsoleOptions;
  /** scheme://host:port people reach the gateway at: POSTs must come from it. */
  origin: string;
  sessions: ConsoleSessions;
  signIn: ConsoleSignIn;
  log: (line: string) => void;
}

/** One signed-in request: what a route handler gets. */
export interface Visit {
  ctx: ConsoleContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  viewer: Viewer;
  /** The POSTed form, once its CSRF token has been checked. */
  form: URLSearchParams;
  /** The route pattern's capture groups, URL-decoded. */
  params: string[];
}

export interface Route {
  method: "GET" | "POST";
  path: RegExp;
  /** Only for viewers (audit, sessions, policy); others get a 403 page that says who may. */
  viewersOnly?: boolean;
  handle(visit: Visit): Promise<void> | void;
}

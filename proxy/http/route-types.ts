import type { IncomingMessage, ServerResponse } from "node:http";

/** Structured authentication events (rejections with their precise reason); the audit log subscribes. */
export type AuthLog = (event: Record<string, unknown>) => void;

/** A route of the HTTP API: a method and a path pattern whose groups become `params`. */
export interface PatternRoute {
  method: string;
  pattern: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, params: string[]): Promise<void> | void;
}

import { searchPathDiverged } from "../catalog-snapshot.js";
import type { PostgresGatewayContext } from "../context.js";
import type { ErrorFields } from "../protocol/backend-messages.js";
import { SQLSTATE } from "../protocol/codes.js";
import { parseStartupOptions, StartupOptionsError, type StartupSetting } from "../protocol/startup-options.js";
import type { Verdict } from "../../../engine/decide.js";
import type { GateSession } from "../gate-session.js";
import { sqlRequest } from "../../../engine/actions/sql/request.js";
import { policyTarget } from "../../../engine/policy/types.js";

/**
 * The settings a client asks for at login: every startup parameter except the few that are not
 * settings (user, database, options, replication), and every `-c`/`--` switch of `options`. The
 * server applies `options` first and the other parameters after (postinit.c,
 * process_startup_options), so a parameter wins over the same name in `options`.
 *
 * Each is decided by the policy exactly as `SET name = 'value'` would be, and recorded; a refused
 * one refuses the login. Allowed ones go to the target in its startup packet, where the server
 * applies them as it would have for the client, so a statement_timeout is never quietly lost.
 */

/** Startup parameters that are not configuration parameters. */
const NOT_SETTINGS = new Set(["user", "database", "options", "replication"]);

// A configuration parameter name: an identifier, or dotted identifiers for an extension's own settings.
const SETTING_NAME = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)*$/;

// The values the server reads as false for `replication` (a normal session).
const FALSE_VALUES = new Set(["false", "off", "no", "0", "f", "n", "of"]);

export type StartupSettings = { ok: true; settings: StartupSetting[] } | { ok: false; error: ErrorFields };

/** The settings a startup packet asks for, in the order the server would apply them, names in lower case. */
export function startupSettings(parameters: Record<string, string>): StartupSettings {
  const replication = parameters.replication;
  if (replication !== undefined && !FALSE_VALUES.has(replication.trim().toLowerCase())) {
    return refused(SQLSTATE.featureNotSupported, `Portcullis does not relay replication connections (replication=${replication})`);
  }
  let fromOptions: StartupSetting[] = [];
  try {
    fromOptions = parseStartupOptions(parameters.options ?? "");
  } catch (error) {
    if (!(error instanceof StartupOptionsError)) throw error;
    return {
      ok: false,
      error: { severity: "FATAL", code: SQLSTATE.syntaxError, message: error.message, detail: "Portcullis understands -c name=value and --name=value in options, nothing else" },
    };
  }
  const fromParameters = Object.entries(parameters)
    .filter(([name]) => !NOT_SETTINGS.has(name))
    .map(([name, value]) => ({ name, value }));
  const settings: StartupSetting[] = [];
  for (const setting of [...fromOptions, ...fromParameters]) {
    // The server compares parameter names without regard to case.
    const name = setting.name.toLowerCase();
    if (NOT_SETTINGS.has(name) || !SETTING_NAME.test(name)) {
      return refused(SQLSTATE.syntaxError, `Portcullis does not accept ${JSON.stringify(setting.name)} as a startup setting`);
    }
    settings.push({ name, value: setting.value });
  }
  return { ok: true, settings };
}

/** The settings as the server ends up with them: the last of each name wins. */
export function finalSettings(settings: StartupSetting[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, value } of settings) out[name] = value;
  return out;
}

/** The SQL that asks for the same settings in a session: what the policy decides. */
export function settingsAsSql(settings: StartupSetting[]): string {
  return settings.map((s) => `SET ${s.name.split(".").map((part) => `"${part}"`).join(".")} = '${s.value.replaceAll("'", "''")}'`).join("; ");
}

/**
 * Decides the settings and records the decision. Undefined when the login may go on; otherwise the
 * FATAL error that refuses it, naming the first setting the policy denies and why. A SET names no
 * relation, so it is decided from its text alone: the target (which may be down) is not asked.
 */
export async function decideStartupSettings(context: PostgresGatewayContext, who: GateSession, settings: StartupSetting[]): Promise<ErrorFields | undefined> {
  if (settings.length === 0) return undefined;
  // The server will resolve this session's unqualified names along the path asked for here.
  if (settings.some((s) => s.name === "search_path")) searchPathDiverged(who.session);
  const sql = settingsAsSql(settings);
  const verdict = decide(context, who, sql);
  if ((await who.gate.record(sqlRequest(sql), verdict)) === undefined) {
    return { severity: "FATAL", code: SQLSTATE.cannotConnectNow, message: "Portcullis: the audit log is unavailable" };
  }
  if (verdict.effect === "allow") return undefined;
  // Which one: the policy's reasons may not name it, and the client needs to know what to drop.
  const culprit = settings.find((s) => decide(context, who, settingsAsSql([s])).effect !== "allow") ?? settings[0]!;
  const reasons = verdict.decision.reasons.join("; ") || (verdict.effect === "approval" ? "it needs an approval" : "denied by policy");
  return { severity: "FATAL", code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied the startup setting ${culprit.name}: ${reasons}` };
}

function decide(context: PostgresGatewayContext, who: GateSession, sql: string): Verdict {
  return context.decide({
    facts: {},
    identity: who.identity,
    session: who.session,
    target: policyTarget(who.target),
    request: sqlRequest(sql),
  });
}

function refused(code: string, message: string): StartupSettings {
  return { ok: false, error: { severity: "FATAL", code, message } };
}

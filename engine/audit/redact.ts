/**
 * The guard that keeps secrets out of audit records and recordings. Three rules, applied to a deep copy:
 *
 * - a field whose name says it holds a secret is removed: after lowercasing and dropping everything but
 *   letters and digits, the name contains password, passwd, passphrase, secret, token, credential,
 *   apikey, privatekey, authorization or cookie, or is pwd (so `access_token`, `clientSecret`,
 *   `PGPASSWORD` all go);
 * - a string shaped like a JSON Web Token (the OIDC and gateway tokens clients log in with) is replaced;
 * - a SQL password literal (`PASSWORD '…'`, as `CREATE ROLE`, `ALTER ROLE` and psql's `\password` send)
 *   has its literal replaced, so the statement still parses and replays to the same decision;
 * - a string containing a secret the caller registered (a target's password: the gateway knows its own
 *   credentials) has every occurrence replaced.
 *
 * The paths of what was removed are returned so the record can say that something was, without saying what.
 */

const SECRET_NAME_PARTS = ["password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey", "authorization", "cookie"];
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const SQL_PASSWORD = /\b(PASSWORD\s+)(?:E'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'|\$([A-Za-z_]*)\$[\s\S]*?\$\2\$)/gi;

export const REDACTED = "[redacted]";

/** The registered secrets worth looking for, longest first (so a longer one is replaced before a part of it). */
export function usableSecrets(options: RedactOptions): string[] {
  return (options.secrets ?? []).filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export interface RedactOptions {
  /** Literal secret values to scrub wherever they appear (empty strings are ignored). */
  secrets?: readonly string[];
}

export interface Redaction<T> {
  value: T;
  /** JSON-pointer-like paths (`/identity/claims/access_token`) of every removed or rewritten value. */
  removed: string[];
}

export function isSecretName(name: string): boolean {
  const flat = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return flat === "pwd" || SECRET_NAME_PARTS.some((part) => flat.includes(part));
}

/**
 * A quick look at the whole value as JSON text: false only when no rule could fire. Every rule's trigger
 * survives JSON encoding (a field name and a secret are escaped character by character, so a secret
 * inside a string is still a substring of the escaped text; a JWT has nothing to escape), so a "no" is
 * safe and a "maybe" just takes the full walk. Nearly every audit event is a "no", and this costs a
 * third of the walk.
 */
export function mayHoldSecret(text: string, secrets: readonly string[]): boolean {
  // A name anywhere in the text, then the value rules (whose PASSWORD look the name look already covers).
  return mayHoldSecretName(text) || mayHoldSecretValue(text, secrets);
}

const JWT_ANYWHERE = new RegExp(JWT.source);

/**
 * The value rules' quick look (a JWT, a SQL password literal, a registered secret) at JSON text whose
 * field names were checked apart (`isSecretNameKnown`): false only when none of them could fire. Every
 * SQL password literal holds the word PASSWORD, which JSON leaves as it is.
 */
export function mayHoldSecretValue(text: string, secrets: readonly string[]): boolean {
  return PASSWORD_WORD.test(text) || JWT_ANYWHERE.test(text) || secrets.some((secret) => text.includes(JSON.stringify(secret).slice(1, -1)));
}

const PASSWORD_WORD = /password/i;

/**
 * Whether any field name anywhere in `value` says it holds a secret (the name rule, checked on the names
 * themselves): with `mayHoldSecretValue` on the value's JSON, the same quick look as `mayHoldSecret`
 * without searching the whole text for names spread over it.
 */
export function hasSecretName(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasSecretName);
  for (const key in value) {
    if (isSecretNameKnown(key) || hasSecretName((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** `isSecretName`, remembered: an audit event's field names are nearly always the same few hundred. */
export function isSecretNameKnown(name: string): boolean {
  let known = secretNames.get(name);
  if (known === undefined) {
    known = isSecretName(name);
    if (secretNames.size >= MAX_KNOWN_NAMES) secretNames.clear();
    secretNames.set(name, known);
  }
  return known;
}

const secretNames = new Map<string, boolean>();
const MAX_KNOWN_NAMES = 4096;

/**
 * A secret-looking name anywhere in the text once lowercased and stripped to letters and digits. For
 * ASCII text (nearly every record) that is one case-insensitive search for each name's letters with
 * anything but letters and digits between them, without building the stripped copy; other text is
 * stripped as the rule says (lowercasing outside ASCII can make an ASCII letter: U+0130, U+212A).
 */
function mayHoldSecretName(text: string): boolean {
  if (ASCII.test(text)) return SECRET_NAME_SPREAD.test(text);
  const flat = text.toLowerCase().replace(/[^a-z0-9]/g, "");
  return flat.includes("pwd") || SECRET_NAME_PARTS.some((part) => flat.includes(part));
}

const ASCII = /^[\x00-\x7f]*$/;
const SECRET_NAME_SPREAD = new RegExp([...SECRET_NAME_PARTS, "pwd"].map((part) => [...part].join("[^A-Za-z0-9]*")).join("|"), "i");

/** Returns a copy of `value` with secrets removed, and where they were. Never mutates `value`. */
export function redact<T>(value: T, options: RedactOptions = {}): Redaction<T> {
  const secrets = usableSecrets(options);
  const text = JSON.stringify(value);
  if (text !== undefined && !mayHoldSecret(text, secrets)) return { value: JSON.parse(text) as T, removed: [] };
  const removed: string[] = [];
  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === "string") return scrubString(node, path);
    if (Array.isArray(node)) return node.map((item, i) => visit(item, `${path}/${i}`));
    if (typeof node === "object" && node !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        const childPath = `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        if (isSecretName(key)) {
          removed.push(childPath);
          continue;
        }
        out[key] = visit(child, childPath);
      }
      return out;
    }
    return node;
  };
  const scrubString = (text: string, path: string): string => {
    let out = text.replace(JWT, REDACTED).replace(SQL_PASSWORD, `$1'${REDACTED}'`);
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    if (out !== text) removed.push(path);
    return out;
  };
  return { value: visit(value, "") as T, removed };
}

/**
 * What the SSH login name means at the gateway: `USER+TARGET`. Plain `ssh alice+web@gateway` can
 * say it, so no client needs changing. USER must agree with the token as a PostgreSQL user name must
 * (proxy/postgres/login-name.ts: the subject, its local part, or `token`); TARGET names an SSH
 * target. The last `+` splits them, since target names cannot hold one and subjects can.
 */
export interface SshLoginName {
  user: string;
  target: string;
}

/** The user and target of a login name, or undefined when it has no `+` or either side is empty. */
export function parseLoginName(name: string): SshLoginName | undefined {
  const plus = name.lastIndexOf("+");
  if (plus <= 0 || plus === name.length - 1) return undefined;
  return { user: name.slice(0, plus), target: name.slice(plus + 1) };
}

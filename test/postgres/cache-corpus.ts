/**
 * A generated corpus of SQL statements for the cache differential test: a few statement shapes repeated
 * with many literal values (what the caches are for), interleaved with texts built to fool a scanner
 * that strips literals: comments hiding statements, quotes inside dollar quotes, `E'\''`, backslashes,
 * `U&` strings, literals glued across a newline, casts that make a literal a name, new number forms,
 * several statements in one text. Deterministic for a seed.
 */

/** A small seeded PRNG (mulberry32): the same corpus on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces a literal's value is made of: plain text, and every character that ends or starts something. */
const PIECES = ["a", "bob", " ", ";", "--", "/*", "*/", "''", "$$", "$a$", "\\", "é", "\n", "DELETE FROM users", "email", "0", "users"];
const TABLES = ["users", "orders", "scratch", "pg_authid", "contacts"];

type Pick = <T>(items: readonly T[]) => T;

/** The corpus: `count` statements. */
export function generateCorpus(count: number, seed = 13): string[] {
  const random = seeded(seed);
  const pick: Pick = (items) => items[Math.floor(random() * items.length)]!;
  const int = (): string => String(Math.floor(random() * (random() < 0.1 ? 1e12 : 100000)));
  const text = (): string => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(PIECES)).join("");
  // A value quoted as the server would need it, or sometimes not (an unclosed or shifted quote).
  const quoted = (): string => (random() < 0.9 ? `'${text().replaceAll("'", "''")}'` : `'${text()}'`);
  const shapes: Array<() => string> = [
    () => `SELECT abalance FROM pgbench_accounts WHERE aid = ${int()};`,
    () => `SELECT id, name, email, ssn FROM users WHERE id = ${int()}`,
    () => `SELECT * FROM users WHERE name = ${quoted()} LIMIT ${int()}`,
    () => `UPDATE scratch SET note = ${quoted()} WHERE id = ${int()}`,
    () => `DELETE FROM scratch WHERE id = ${int()}`,
    () => `DELETE FROM scratch WHERE 1 = ${int()}`,
    () => `DELETE FROM scratch WHERE id = ${int()} OR 1 = ${int()}`,
    () => `SELECT 1 WHERE 1 = ${int()}; DELETE FROM scratch WHERE id = ${int()}; SELECT email FROM users WHERE id = ${int()}`,
    () => `BEGIN; SELECT email FROM users WHERE id = ${int()}; COMMIT`,
    () => `SELECT 1 -- ${text()}\n; DELETE FROM users WHERE id = ${int()}`,
    () => `SELECT 1 /* ; DROP TABLE users */ WHERE 1 = ${int()}`,
    () => `SELECT 1 /* /* */ DELETE FROM users */ WHERE 1 = ${int()}`,
    () => `SELECT $$ it's ' $$ WHERE 1 = ${int()}`,
    () => `SELECT $a$ ' $a$; DELETE FROM users WHERE id = ${int()}`,
    () => `SELECT * FROM users WHERE name = E'\\'' OR email = ${quoted()}`,
    () => `SELECT * FROM users WHERE name = E'${text()}\\'; DELETE FROM users; --'`,
    () => `SELECT * FROM users WHERE name = '${text().replaceAll("'", "")}\\' ; DELETE FROM users; --'`,
    () => `SELECT * FROM users WHERE name = '${text().replaceAll("'", "''")}; DELETE FROM users --'`,
    () => `SELECT * FROM users WHERE name = U&${quoted()}`,
    () => `SELECT * FROM users WHERE name = 'a'\n${quoted()}`,
    () => `SELECT * FROM users WHERE name = 'a' ${quoted()}`,
    () => `SELECT * FROM pg_class WHERE oid = '${pick(TABLES)}'::regclass`,
    () => `SELECT * FROM pg_class WHERE oid = ${quoted()}::regclass`,
    () => `SELECT relname FROM pg_class WHERE oid = ${int()}`,
    () => `SET search_path = ${quoted()}`,
    () => `SELECT set_config('search_path', ${quoted()}, false)`,
    () => `COPY (SELECT email FROM users WHERE id = ${int()}) TO STDOUT`,
    () => `SELECT id, email FROM users ORDER BY ${pick(["1", "2", "3"])}`,
    () => `SELECT email FROM users LIMIT ${int()} OFFSET ${int()}`,
    () => `SELECT * FROM users WHERE id = ${pick(["0x1F", "1_000", "1e5", ".5", "1.", "0b101", "0o17", int()])}`,
    () => `SELECT * FROM users WHERE id = ${int()}::int`,
    () => `SELECT * FROM users WHERE id = $1`,
    () => `SELECT * FROM ${pick(TABLES)} WHERE id = ${int()}`,
    () => `SELECT lower(email) FROM users WHERE id = ${int()}`,
    () => `SELECT email FROM users WHERE id = ${int()} UNION SELECT note FROM orders WHERE id = ${int()}`,
    () => `WITH d AS (DELETE FROM scratch WHERE id = ${int()} RETURNING *) SELECT * FROM d`,
    () => `SELECT email FROM users WHERE id = ${int()}${pick([";", "; ", ";;", " ;\n", ""])}`,
    () => `select  Email from USERS where ID=${int()}`,
    () => `SELECT "email" FROM "users" WHERE "id" = ${int()}`,
    () => `SELECT "e""mail" FROM users WHERE id = ${int()}`,
    () => `INSERT INTO scratch VALUES (${int()}, ${quoted()})`,
    () => `SELECT email FROM users WHERE id = -${int()}`,
    () => `SELECT email FROM users WHERE id =-${int()}`,
    () => `SELECT email FROM users WHERE id = ${int()} -- ${text()}`,
    () => `SELECT email FROM users WHERE id = ${int()}${pick(["", " ", "\t", "\r\n"])}`,
  ];
  return Array.from({ length: count }, () => pick(shapes)());
}

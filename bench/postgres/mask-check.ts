import pg from "pg";

export interface MaskCheck {
  reader: { email: string | null; ssn: string | null };
  analyst: { email: string | null; ssn: string | null };
}

async function firstUser(port: number, database: string, token: string): Promise<{ email: string | null; ssn: string | null }> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "token", database, password: token, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const result = await client.query<{ email: string | null; ssn: string | null }>("SELECT email, ssn FROM users WHERE id = 1");
    const row = result.rows[0];
    if (!row) throw new Error("users row 1 is missing");
    return row;
  } finally {
    await client.end();
  }
}

/**
 * Proves the two identities see what the benchmark claims before anything is timed: the reader gets
 * stored values, the analyst gets both sensitive columns masked. A benchmark of masking that does not
 * mask would measure nothing.
 */
export async function checkMasking(port: number, database: string, tokens: { reader: string; analyst: string }, stored: { email: string; ssn: string }): Promise<MaskCheck> {
  const reader = await firstUser(port, database, tokens.reader);
  const analyst = await firstUser(port, database, tokens.analyst);
  if (reader.email !== stored.email || reader.ssn !== stored.ssn) throw new Error(`the reader should see stored values, saw ${JSON.stringify(reader)}`);
  if (analyst.email === stored.email || analyst.ssn === stored.ssn) throw new Error(`the analyst should see masked values, saw ${JSON.stringify(analyst)}`);
  return { reader, analyst };
}

import { createHash } from "node:crypto";
import { Rng } from "../../../bench/policy/rng.js";

/**
 * Canary values for the masked columns of `users`: every row gets a unique random core in its email and
 * its ssn, so any trace of a core in what a client received is a leak, whatever the query did to it.
 * The ssn ends in four fixed digits after its core because the default policy shows an ssn's last four
 * characters (partial masking): only the core is secret.
 */

export interface Canary {
  id: number;
  column: "email" | "ssn";
  /** The value stored in the column. */
  value: string;
  /** The secret part of the value (lower-case letters, never in a query text the generators write). */
  core: string;
}

/** How long a run of a core's characters must be to count as a trace of it. */
export const WINDOW = 7;
const CORE_LENGTH = 14;

function randomCore(rng: Rng): string {
  // Letters only, without vowels, so no core spells a word a query or a server message may contain.
  const alphabet = "bcdfghjkmnpqrstvwxz";
  let core = "";
  for (let i = 0; i < CORE_LENGTH; i++) core += alphabet[rng.int(0, alphabet.length - 1)]!;
  return core;
}

/** Canaries for users 1..rows (two per row). */
export function makeCanaries(seed: number, rows: number): Canary[] {
  const rng = new Rng(seed ^ 0x5eed);
  const canaries: Canary[] = [];
  for (let id = 1; id <= rows; id++) {
    const emailCore = randomCore(rng);
    const ssnCore = randomCore(rng);
    canaries.push({ id, column: "email", core: emailCore, value: `${emailCore}@canary.test` });
    canaries.push({ id, column: "ssn", core: ssnCore, value: `${ssnCore}-6789` });
  }
  return canaries;
}

function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * SQL (run as the superuser, not through the gateway) that gives users 1..rows exactly the canary
 * values: missing rows are inserted, and values a write through the gateway changed are put back.
 */
export function canarySql(canaries: readonly Canary[]): string {
  const byId = new Map<number, { email?: string; ssn?: string }>();
  for (const c of canaries) byId.set(c.id, { ...byId.get(c.id), [c.column]: c.value });
  const rows = [...byId].map(([id, v]) => `(${id}, ${literal(`user ${id}`)}, ${literal(v.email ?? "")}, ${literal(v.ssn ?? "")}, ${20 + id})`);
  return `INSERT INTO users AS u (id, name, email, ssn, age) VALUES ${rows.join(", ")}
            ON CONFLICT (id) DO UPDATE SET email = excluded.email, ssn = excluded.ssn
            WHERE u.email IS DISTINCT FROM excluded.email OR u.ssn IS DISTINCT FROM excluded.ssn`;
}

export interface Trace {
  canary: Canary;
  /** How the value appeared: `substring`, `reversed`, `md5 of value`… (case is ignored throughout). */
  how: string;
}

function digests(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const algorithm of ["md5", "sha1", "sha224", "sha256", "sha512"]) out.push([algorithm, createHash(algorithm).update(text).digest("hex")]);
  return out;
}

interface Needle {
  text: string;
  trace: Trace;
}

/**
 * Finds canaries in what a client received: any run of WINDOW characters of a core, forwards or
 * reversed, in any letter case; the hex of the value's bytes; its base64; and the hex digests (md5,
 * sha*) of the value, of its core, and of their upper- and lower-case forms.
 */
export class CanaryDetector {
  private readonly needles: Needle[] = [];

  constructor(canaries: readonly Canary[]) {
    for (const canary of canaries) {
      const add = (text: string, how: string): void => {
        this.needles.push({ text: text.toLowerCase(), trace: { canary, how } });
      };
      const reversed = [...canary.core].reverse().join("");
      for (let i = 0; i + WINDOW <= canary.core.length; i++) {
        add(canary.core.slice(i, i + WINDOW), "substring");
        add(reversed.slice(i, i + WINDOW), "reversed");
      }
      add(Buffer.from(canary.core).toString("hex"), "hex of value");
      add(Buffer.from(canary.value).toString("base64").slice(0, 16), "base64 of value");
      add(Buffer.from(canary.value.toUpperCase()).toString("base64").slice(0, 16), "base64 of upper-case value");
      for (const form of [canary.value, canary.value.toUpperCase(), canary.core, canary.core.toUpperCase()]) {
        for (const [algorithm, hex] of digests(form)) add(hex, `${algorithm} of ${form === canary.value || form === canary.core ? "value" : "upper-case value"}`);
      }
    }
  }

  /** The first trace of a canary in `received` (bytes as the client got them), if any. */
  find(received: Buffer | string): Trace | undefined {
    const text = (typeof received === "string" ? received : received.toString("latin1")).toLowerCase();
    for (const n of this.needles) if (text.includes(n.text)) return n.trace;
    return undefined;
  }
}

import type { Rng } from "./rng.js";

/** One kind of statement an application, an engineer or a CI job sends, with how often it appears. */
export interface StatementTemplate {
  name: string;
  weight: number;
  make: (r: Rng) => string;
}

const STATUSES = ["pending", "paid", "shipped", "cancelled", "refunded"] as const;
const COUNTRIES = ["DE", "FR", "US", "GB", "JP", "BR"] as const;
const ORDER_COLUMNS = ["id", "user_id", "total", "status", "created_at"] as const;
const USER_COLUMNS = ["id", "name", "country", "created_at"] as const;
const PRODUCT_COLUMNS = ["id", "name", "price", "sku"] as const;
const SETTINGS = ["statement_timeout = '5s'", "search_path TO public", "application_name = 'reporting'", "work_mem = '64MB'", "lock_timeout = '2s'", "TIME ZONE 'UTC'"] as const;
const LOCKED_SETTINGS = ["ROLE admin", "SESSION AUTHORIZATION postgres", "role = 'dba'"] as const;
const PARSE_ERRORS = [
  "SELEC * FROM users",
  "SELECT * FROM WHERE id = 1",
  "UPDATE orders SET WHERE id = 2",
  "SELECT 'unterminated FROM users",
  "DELETE orders WHERE id = 3",
  "INSERT INTO orders VALUES (1, 2",
  "SELECT id, FROM orders",
  "CREATE TABEL t (id int)",
] as const;

function table(r: Rng, name: string): string {
  return r.chance(0.3) ? `public.${name}` : name;
}

function columns(r: Rng, all: readonly string[], min: number): string {
  const chosen = all.filter(() => r.chance(0.6));
  return (chosen.length >= min ? chosen : all.slice(0, min)).join(", ");
}

function status(r: Rng): string {
  return `'${r.pick(STATUSES)}'`;
}

function days(r: Rng): string {
  return `interval '${r.int(1, 90)} days'`;
}

/** A statement a few kilobytes long: big IN lists, wide multi-row inserts, long CASE expressions, many joins. */
function longStatement(r: Rng): string {
  switch (r.int(0, 3)) {
    case 0: {
      const ids = Array.from({ length: r.int(150, 400) }, () => r.int(1, 10_000_000)).join(", ");
      return `SELECT o.id, o.total, o.status FROM orders o WHERE o.id IN (${ids}) ORDER BY o.id`;
    }
    case 1: {
      const rows = Array.from({ length: r.int(60, 150) }, () => `(${r.int(1, 500_000)}, ${r.int(1, 99_999)}.${r.int(10, 99)}, ${status(r)}, now())`);
      return `INSERT INTO orders (user_id, total, status, created_at) VALUES ${rows.join(", ")} RETURNING id`;
    }
    case 2: {
      const arms = Array.from({ length: r.int(40, 90) }, (_, i) => `WHEN o.total > ${(i + 1) * 50} AND o.status = ${status(r)} THEN 'tier-${i}'`);
      return `SELECT o.id, CASE ${arms.join(" ")} ELSE 'base' END AS tier FROM orders o WHERE o.created_at > now() - ${days(r)}`;
    }
    default: {
      const joins = Array.from({ length: r.int(8, 16) }, (_, i) => `LEFT JOIN order_items i${i} ON i${i}.order_id = o.id AND i${i}.qty > ${i}`);
      const picks = Array.from({ length: joins.length }, (_, i) => `coalesce(i${i}.price, 0) AS p${i}`);
      return `SELECT o.id, u.name, ${picks.join(", ")} FROM orders o JOIN users u ON u.id = o.user_id ${joins.join(" ")} WHERE o.status = ${status(r)} LIMIT ${r.int(10, 500)}`;
    }
  }
}

/** The mix: mostly reads, then writes, then the rarer things a gateway exists to catch. */
export const TEMPLATES: readonly StatementTemplate[] = [
  {
    name: "point-select",
    weight: 16,
    make: (r) => r.pick([
      `SELECT ${columns(r, ORDER_COLUMNS, 2)} FROM ${table(r, "orders")} WHERE id = ${r.int(1, 9_999_999)}`,
      `SELECT ${columns(r, USER_COLUMNS, 2)} FROM ${table(r, "users")} WHERE id = ${r.int(1, 500_000)}`,
      `SELECT ${columns(r, PRODUCT_COLUMNS, 2)} FROM products WHERE sku = 'SKU-${r.int(1000, 99999)}'`,
      `SELECT * FROM orders WHERE id = ${r.int(1, 9_999_999)}`,
    ]),
  },
  {
    name: "join",
    weight: 10,
    make: (r) => r.pick([
      `SELECT u.name, o.id, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE o.status = ${status(r)} AND o.created_at > now() - ${days(r)} ORDER BY o.created_at DESC LIMIT ${r.int(10, 200)}`,
      `SELECT o.id, p.name, i.qty, i.price FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id WHERE o.id = ${r.int(1, 9_999_999)}`,
      `SELECT u.country, o.total FROM ${table(r, "users")} AS u LEFT JOIN ${table(r, "orders")} AS o ON o.user_id = u.id WHERE u.country = '${r.pick(COUNTRIES)}'`,
    ]),
  },
  {
    name: "aggregate",
    weight: 8,
    make: (r) => r.pick([
      `SELECT status, count(*), sum(total) FROM orders GROUP BY status HAVING count(*) > ${r.int(1, 100)}`,
      `SELECT date_trunc('day', created_at) AS day, avg(total)::numeric(10,2) FROM orders WHERE created_at > now() - ${days(r)} GROUP BY 1 ORDER BY 1`,
      `SELECT u.country, count(DISTINCT o.user_id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.country ORDER BY 2 DESC LIMIT ${r.int(3, 20)}`,
      `SELECT max(price), min(price), percentile_cont(0.5) WITHIN GROUP (ORDER BY price) FROM products`,
    ]),
  },
  {
    name: "insert",
    weight: 8,
    make: (r) => r.pick([
      `INSERT INTO orders (user_id, total, status) VALUES (${r.int(1, 500_000)}, ${r.int(1, 9999)}.${r.int(10, 99)}, ${status(r)}) RETURNING id`,
      `INSERT INTO order_items (order_id, product_id, qty, price) VALUES (${r.int(1, 9_999_999)}, ${r.int(1, 5000)}, ${r.int(1, 9)}, ${r.int(1, 999)}.00), (${r.int(1, 9_999_999)}, ${r.int(1, 5000)}, ${r.int(1, 9)}, ${r.int(1, 999)}.00)`,
      `INSERT INTO audit_log (actor, event, at) SELECT 'job-${r.int(1, 50)}', 'nightly', now()`,
      `INSERT INTO products (name, price, sku) VALUES ('widget ${r.int(1, 9999)}', ${r.int(1, 500)}.99, 'SKU-${r.int(1000, 99999)}') ON CONFLICT (sku) DO UPDATE SET price = EXCLUDED.price`,
    ]),
  },
  {
    name: "update-where",
    weight: 7,
    make: (r) => r.pick([
      `UPDATE orders SET status = ${status(r)} WHERE id = ${r.int(1, 9_999_999)}`,
      `UPDATE ${table(r, "products")} SET price = price * 1.0${r.int(1, 9)} WHERE sku = 'SKU-${r.int(1000, 99999)}'`,
      `UPDATE orders o SET total = o.total - ${r.int(1, 50)} FROM users u WHERE u.id = o.user_id AND u.country = '${r.pick(COUNTRIES)}'`,
    ]),
  },
  {
    name: "update-no-where",
    weight: 2,
    make: (r) => r.pick([`UPDATE products SET price = price * 1.0${r.int(1, 9)}`, `UPDATE ${table(r, "orders")} SET status = ${status(r)}`]),
  },
  {
    name: "delete",
    weight: 4,
    make: (r) => r.pick([
      `DELETE FROM order_items WHERE order_id = ${r.int(1, 9_999_999)}`,
      `DELETE FROM ${table(r, "orders")} WHERE status = 'cancelled' AND created_at < now() - ${days(r)}`,
      `DELETE FROM sessions WHERE expires_at < now()`,
    ]),
  },
  {
    name: "delete-no-where",
    weight: 1,
    make: (r) => r.pick([`DELETE FROM ${table(r, "orders")}`, "DELETE FROM order_items", `DELETE FROM sessions WHERE true`]),
  },
  {
    name: "cte",
    weight: 5,
    make: (r) => r.pick([
      `WITH recent AS (SELECT user_id, sum(total) AS spent FROM orders WHERE created_at > now() - ${days(r)} GROUP BY user_id) SELECT u.name, r.spent FROM recent r JOIN users u ON u.id = r.user_id ORDER BY r.spent DESC LIMIT ${r.int(5, 50)}`,
      `WITH moved AS (UPDATE orders SET status = 'shipped' WHERE id = ${r.int(1, 9_999_999)} RETURNING id) SELECT count(*) FROM moved`,
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${r.int(5, 100)}) SELECT sum(i) FROM n`,
    ]),
  },
  {
    name: "subquery",
    weight: 5,
    make: (r) => r.pick([
      `SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > ${r.int(100, 5000)})`,
      `SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.qty > ${r.int(2, 9)})`,
      `SELECT p.name, (SELECT count(*) FROM order_items i WHERE i.product_id = p.id) AS sold FROM products p ORDER BY sold DESC LIMIT ${r.int(5, 50)}`,
    ]),
  },
  {
    name: "sensitive",
    weight: 7,
    make: (r) => r.pick([
      `SELECT id, email FROM users WHERE id = ${r.int(1, 500_000)}`,
      `SELECT id, ssn FROM public.users WHERE country = '${r.pick(COUNTRIES)}'`,
      `SELECT u.email AS contact, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE o.id = ${r.int(1, 9_999_999)}`,
      `SELECT lower(email) FROM users WHERE created_at > now() - ${days(r)}`,
      `SELECT * FROM users WHERE id = ${r.int(1, 500_000)}`,
      `SELECT e FROM (SELECT email AS e FROM users) s LIMIT ${r.int(1, 100)}`,
    ]),
  },
  {
    name: "ddl",
    weight: 3,
    make: (r) => r.pick([
      `CREATE TABLE IF NOT EXISTS report_${r.int(1, 999)} (id bigint PRIMARY KEY, total numeric, at timestamptz DEFAULT now())`,
      `ALTER TABLE orders ADD COLUMN note_${r.int(1, 99)} text`,
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_${r.int(1, 99)} ON orders (status, created_at)`,
      `DROP TABLE IF EXISTS report_${r.int(1, 999)}`,
      `GRANT SELECT ON orders TO analyst_${r.int(1, 9)}`,
      `TRUNCATE ${table(r, "sessions")}`,
    ]),
  },
  {
    name: "copy",
    weight: 2,
    make: (r) => r.pick([
      "COPY orders TO STDOUT WITH (FORMAT csv, HEADER)",
      `COPY (SELECT id, total FROM orders WHERE created_at > now() - ${days(r)}) TO STDOUT`,
      "COPY users TO STDOUT",
      `COPY products FROM '/tmp/products_${r.int(1, 99)}.csv' WITH (FORMAT csv)`,
      "COPY orders TO PROGRAM 'gzip > /tmp/orders.gz'",
    ]),
  },
  {
    name: "set",
    weight: 4,
    make: (r) => (r.chance(0.15) ? `SET ${r.pick(LOCKED_SETTINGS)}` : `SET ${r.pick(SETTINGS)}`),
  },
  {
    name: "transaction",
    weight: 5,
    make: (r) => r.pick([
      "BEGIN",
      "COMMIT",
      "ROLLBACK",
      "BEGIN ISOLATION LEVEL REPEATABLE READ",
      `BEGIN; UPDATE orders SET status = 'paid' WHERE id = ${r.int(1, 9_999_999)}; INSERT INTO audit_log (actor, event, at) VALUES ('app', 'paid', now()); COMMIT`,
      `SAVEPOINT s${r.int(1, 9)}`,
    ]),
  },
  {
    name: "dynamic-or-server",
    weight: 2,
    make: (r) => r.pick([
      `DO $$ BEGIN EXECUTE 'DELETE FROM orders WHERE id = ${r.int(1, 9999)}'; END $$`,
      "SELECT pg_read_file('/etc/passwd')",
      `SELECT set_config('role', 'dba', false)`,
      `EXPLAIN ANALYZE SELECT * FROM orders WHERE id = ${r.int(1, 9_999_999)}`,
      "SELECT query_to_xml('SELECT * FROM users', true, true, '')",
    ]),
  },
  {
    name: "parse-error",
    weight: 3,
    make: (r) => r.pick(PARSE_ERRORS),
  },
  { name: "long", weight: 3, make: longStatement },
];

/**
 * Small Python programs using psycopg 3 and psycopg2 (Debian's python3-psycopg and python3-psycopg2),
 * run once against PostgreSQL directly and once through the gateway: each prints one JSON object
 * describing what the driver saw (SQLSTATEs, transaction status, values, how the connection ended),
 * which must be the same on both sides. An error's `by` says whether Portcullis or the server refused;
 * it is the one field that differs by design. They connect with libpq's PG* environment variables; ADMIN_DSN
 * is a superuser's direct connection, for ending a backend from outside as an operator would.
 */

const PRELUDE = `
import json, os, sys, time
def step(out, name, f):
    try:
        out[name] = f()
    except Exception as e:
        out[name] = {"error": type(e).__name__, "sqlstate": getattr(e, "sqlstate", None) or getattr(e, "pgcode", None), "by": "Portcullis" if "Portcullis" in str(e) else "server"}
`;

export const PSYCOPG_SCRIPTS: Record<string, string> = {
  "psycopg 3: a refused statement inside a transaction fails the transaction": `${PRELUDE}
import psycopg
out = {}
conn = psycopg.connect("")
conn.execute("SELECT 1")
out["before"] = conn.info.transaction_status.name
step(out, "refused", lambda: conn.execute("SELECT pg_read_file('/etc/hostname')").fetchone())
out["after"] = conn.info.transaction_status.name
step(out, "next", lambda: conn.execute("SELECT 1").fetchone())
out["still"] = conn.info.transaction_status.name
conn.rollback()
out["rolled_back"] = conn.info.transaction_status.name
step(out, "usable", lambda: conn.execute("SELECT 41 + 1").fetchone()[0])
print(json.dumps(out))
`,
  "psycopg2: a refused statement inside a transaction fails the transaction": `${PRELUDE}
import psycopg2, psycopg2.extensions as ext
names = {ext.TRANSACTION_STATUS_IDLE: "IDLE", ext.TRANSACTION_STATUS_INTRANS: "INTRANS", ext.TRANSACTION_STATUS_INERROR: "INERROR", ext.TRANSACTION_STATUS_ACTIVE: "ACTIVE", ext.TRANSACTION_STATUS_UNKNOWN: "UNKNOWN"}
out = {}
conn = psycopg2.connect("")
cur = conn.cursor()
cur.execute("SELECT 1")
out["before"] = names[conn.get_transaction_status()]
step(out, "refused", lambda: cur.execute("SELECT pg_read_file('/etc/hostname')"))
out["after"] = names[conn.get_transaction_status()]
step(out, "next", lambda: cur.execute("SELECT 1"))
conn.rollback()
out["rolled_back"] = names[conn.get_transaction_status()]
cur.execute("SELECT 41 + 1")
out["usable"] = cur.fetchone()[0]
print(json.dumps(out))
`,
  "psycopg 3: a statement that does not parse is 42601 at its position": `${PRELUDE}
import psycopg
out = {}
conn = psycopg.connect("", autocommit=True)
for i, sql in enumerate(["SELEC 1", "SELECT 1 +", "SELECT (1", "SELECT 1; SELEC 2"]):
    try:
        conn.execute(sql)
        out[str(i)] = "ok"
    except psycopg.Error as e:
        out[str(i)] = {"sqlstate": e.sqlstate, "position": e.diag.statement_position, "message": e.diag.message_primary}
conn.autocommit = False
conn.execute("SELECT 1")
step(out, "in transaction", lambda: conn.execute("SELEC 1"))
out["status"] = conn.info.transaction_status.name
print(json.dumps(out))
`,
  "psycopg 3: prepared statements after DEALLOCATE, DEALLOCATE ALL and a failed PREPARE": `${PRELUDE}
import psycopg
out = {}
conn = psycopg.connect("", autocommit=True)
conn.prepare_threshold = 0
step(out, "first", lambda: conn.execute("SELECT %s::int + 1", (1,)).fetchone()[0])
step(out, "again", lambda: conn.execute("SELECT %s::int + 1", (2,)).fetchone()[0])
step(out, "deallocate all", lambda: conn.execute("DEALLOCATE ALL").statusmessage)
step(out, "re-prepared", lambda: conn.execute("SELECT %s::int + 1", (3,)).fetchone()[0])
step(out, "prepare p1", lambda: conn.execute("PREPARE p1 AS SELECT 1").statusmessage)
step(out, "prepare p1 twice", lambda: conn.execute("PREPARE p1 AS SELECT 2").statusmessage)
step(out, "deallocate p1", lambda: conn.execute("DEALLOCATE p1").statusmessage)
step(out, "prepare p1 again", lambda: conn.execute("PREPARE p1 AS SELECT 3").statusmessage)
step(out, "execute p1", lambda: conn.execute("EXECUTE p1").fetchone()[0])
step(out, "failed prepare", lambda: conn.execute("PREPARE p2 AS SELECT * FROM no_such_table").statusmessage)
step(out, "prepare p2", lambda: conn.execute("PREPARE p2 AS SELECT 4").statusmessage)
step(out, "execute p2", lambda: conn.execute("EXECUTE p2").fetchone()[0])
step(out, "names", lambda: sorted(r[0] for r in conn.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'p%'").fetchall()))
print(json.dumps(out))
`,
  "psycopg 3: the server's FATAL ends the connection with one error": `${PRELUDE}
import psycopg
out = {}
notices = []
conn = psycopg.connect("", autocommit=True)
conn.add_notice_handler(lambda d: notices.append(d.sqlstate))
pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
with psycopg.connect(os.environ["ADMIN_DSN"], autocommit=True) as admin:
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
time.sleep(0.5)
try:
    conn.execute("SELECT 1")
    out["after"] = "ok"
except psycopg.Error as e:
    out["after"] = {"error": type(e).__name__, "sqlstate": e.sqlstate, "message": str(e)}
out["closed"] = conn.closed
out["notices"] = notices
print(json.dumps(out))
`,
  "psycopg2: the server's FATAL ends the connection with one error": `${PRELUDE}
import psycopg2
out = {}
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT pg_backend_pid()")
pid = cur.fetchone()[0]
admin = psycopg2.connect(os.environ["ADMIN_DSN"])
admin.autocommit = True
admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
admin.close()
time.sleep(0.5)
try:
    cur.execute("SELECT 1")
    out["after"] = "ok"
except psycopg2.Error as e:
    out["after"] = {"error": type(e).__name__, "sqlstate": e.pgcode, "message": str(e)}
out["closed"] = conn.closed
out["notices"] = len(conn.notices)
print(json.dumps(out))
`,
};

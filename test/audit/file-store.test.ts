import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileAuditStore, fileSource, type AuditRecord } from "../../engine/audit/index.js";
import { auditStoreSuite } from "./store-suite.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-file-store-"));
let n = 0;

/** Rewrites the log's lines (one record per line, line = seq while it is intact). */
function editLines(file: string, change: (lines: string[]) => void): void {
  const lines = readFileSync(file, "utf8").split("\n").slice(0, -1);
  change(lines);
  writeFileSync(file, lines.map((l) => `${l}\n`).join(""));
}

const line = (record: AuditRecord): string => JSON.stringify({ seq: record.seq, time: record.time, prev_hash: record.prev_hash, hash: record.hash, event: record.event });

auditStoreSuite({
  name: "file store",
  sharedWriters: false,
  swappedKind: "reordered",
  async fresh() {
    const file = join(dir, `log-${++n}.log`);
    return {
      open: () => FileAuditStore.open(file),
      source: fileSource(file),
      rewrite: async (seq, record) => editLines(file, (lines) => void (lines[seq - 1] = line(record))),
      remove: async (seq) => editLines(file, (lines) => void lines.splice(seq - 1, 1)),
      swap: async (a, b) =>
        editLines(file, (lines) => {
          const first = lines[a - 1]!;
          lines[a - 1] = lines[b - 1]!;
          lines[b - 1] = first;
        }),
    };
  },
});

import { test } from "uvu";
import * as assert from "uvu/assert";
import { columns, one } from "./support.js";

// `system_user` is a keyword to the analyzer's grammar and a plain identifier to PostgreSQL 15 and older:
// it is resolved as the column it may be, with the lineage of that column.

test("system_user names the column of the derived table that has it", () => {
  assert.equal(columns(one("SELECT system_user FROM (SELECT email AS system_user FROM users) s")), ["users.email output"]);
  assert.equal(columns(one("SELECT upper(system_user) FROM (SELECT ssn AS system_user FROM users) s")), ["users.ssn derived"]);
  assert.equal(columns(one("SELECT id FROM (SELECT id, ssn AS system_user FROM users) s WHERE system_user > 'a'")), ["users.id output", "users.ssn filter"]);
});

test("without the catalog a table in FROM may have the column; with nothing in FROM it is a name alone", () => {
  assert.equal(columns(one("SELECT system_user FROM users")), ["users.system_user output"]);
  assert.equal(columns(one("SELECT system_user")), ["?.system_user output"]);
});

test.run();

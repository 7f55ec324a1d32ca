import { test } from "uvu";
import * as assert from "uvu/assert";
import { highlightSql, tokenize } from "../../proxy/console/highlight-sql.js";
import { html } from "../../proxy/console/html.js";
import { visibleText as shown } from "../../engine/visible-text.js";

/** What a browser shows for highlighted markup: tags dropped, entities decoded. */
function visibleText(markup: string): string {
  return markup.replace(/<span class="sql-[a-z]+">|<\/span>/g, "").replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

function kinds(sql: string): string[] {
  return tokenize(sql)
    .filter((t) => t.kind !== "space")
    .map((t) => `${t.kind}:${t.text}`);
}

const HOSTILE = [
  "SELECT '<script>alert(1)</script>' AS x",
  `SELECT "<img src=x onerror=alert(1)>" FROM t`,
  "SELECT 1 -- </pre><script>alert(1)</script>\nFROM t",
  "SELECT $$ </code> & \" ' $$, $tag$ <b> $tag$",
  "SELECT E'it\\'s <b>', U&'d\\0061t\\+000061', x'1F', b'0101', n'nat'",
  "/* outer /* inner <x> */ still */ SELECT 1",
  "SELECT 'unterminated <script>",
  "/* unterminated comment <b>",
  "SELECT \"unterminated ident <i>",
  "SELECT $a$ never closed <u>",
  "SELECT ½, ünïcödé, \u2028line, \u0000nul, &amp; FROM \"t\"\"q\"",
  "",
];

test("the highlighted text is exactly the statement, whatever it holds (hidden characters shown as escapes)", () => {
  for (const sql of HOSTILE) assert.is(visibleText(highlightSql(sql).text), shown(sql), sql);
  assert.is(visibleText(highlightSql("SELECT \u2028line, \u0000nul, \u202Eevil").text), "SELECT \\u2028line, \\x00nul, \\u202eevil");
});

test("no markup from the statement survives: only the highlighter's own spans", () => {
  for (const sql of HOSTILE) {
    const markup = highlightSql(sql).text;
    const tags = markup.match(/<[^>]*>/g) ?? [];
    for (const tag of tags) assert.ok(/^<span class="sql-[a-z]+">$|^<\/span>$/.test(tag), `unexpected tag ${tag} from ${sql}`);
    assert.not.ok(/[<>"']/.test(markup.replace(/<span class="sql-[a-z]+">|<\/span>/g, "")), `unescaped character from ${sql}`);
  }
});

test("tokens follow PostgreSQL's lexical rules", () => {
  assert.equal(kinds("TRUNCATE orders"), ["keyword:TRUNCATE", "ident:orders"]);
  assert.equal(kinds("select count(*) from t where a >= 1.5e3"), ["keyword:select", "function:count", "punct:(", "operator:*", "punct:)", "keyword:from", "ident:t", "keyword:where", "ident:a", "operator:>=", "number:1.5e3"]);
  assert.equal(kinds("SELECT 'it''s' || E'a\\'b'"), ["keyword:SELECT", "string:'it''s'", "operator:||", "string:E'a\\'b'"]);
  assert.equal(kinds(`SELECT "We""ird" FROM s.t`), ["keyword:SELECT", 'quoted:"We""ird"', "keyword:FROM", "ident:s", "punct:.", "ident:t"]);
  assert.equal(kinds("SELECT $1, $body$ it's $ fine $body$"), ["keyword:SELECT", "param:$1", "punct:,", "string:$body$ it's $ fine $body$"]);
  assert.equal(kinds("SELECT 1 /* a /* b */ c */ + 2"), ["keyword:SELECT", "number:1", "comment:/* a /* b */ c */", "operator:+", "number:2"]);
  assert.equal(kinds("-- only a comment"), ["comment:-- only a comment"]);
});

test("interpolated values are escaped unless they are markup", () => {
  const evil = `<script>alert("x")</script>`;
  assert.is(html`<p>${evil}</p>`.text, "<p>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</p>");
  assert.is(html`<ul>${["a&b", html`<li>kept</li>`]}</ul>`.text, "<ul>a&#38;b<li>kept</li></ul>");
  assert.is(html`${undefined}${null}${false}${0}`.text, "0");
});

test.run();

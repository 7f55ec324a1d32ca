import { test } from "uvu";
import * as assert from "uvu/assert";
import { highlightSql, tokenize } from "../../proxy/console/highlight-sql.js";
import { html } from "../../proxy/console/html.js";

/** The statement back from highlighted markup: tags dropped, entities decoded, each marked hidden character restored from its title. */
function sourceText(markup: string): string {
  return markup
    .replace(/<span class="ctl" title="U\+([0-9A-F]{4,6})">[^<]*<\/span>/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/<span class="sql-[a-z]+">|<\/span>/g, "").replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
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
  "TRUNCATE users /*\x1b[2K\r\x1b[1A\u009b2K\u202e\u2067\u200b\ufeff\u{e0041}*/ -- \u202d\u061c\x7f",
  "",
];

test("the highlighted text is exactly the statement, whatever it holds", () => {
  for (const sql of HOSTILE) assert.is(sourceText(highlightSql(sql).text), sql, sql);
});

/** Controls, bidi overrides and isolates, zero-width and other invisible characters. */
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\u{e0041}/u;

test("a character a reader cannot see is shown as a marked escape, never raw", () => {
  for (const sql of HOSTILE) {
    const markup = highlightSql(sql).text;
    assert.not.ok(HIDDEN.test(markup), `raw hidden character from ${JSON.stringify(sql)}: ${JSON.stringify(markup)}`);
  }
  assert.match(highlightSql("SELECT 1 /*\u202e*/").text, '<span class="ctl" title="U+202E">\\u202e</span>');
  assert.match(highlightSql("SELECT '\x1b[2K'").text, '<span class="ctl" title="U+001B">\\x1b</span>[2K');
  assert.is(highlightSql("SELECT 1\n\tFROM t").text.includes("\n\t"), true, "a statement's own layout stays");
});

test("page text gets the marked escape; an attribute keeps the exact value; a title gets the plain escape", () => {
  const evil = "a\u202eb\x1bc";
  assert.is(html`<p>${evil}</p>`.text, '<p>a<span class="ctl" title="U+202E">\\u202e</span>b<span class="ctl" title="U+001B">\\x1b</span>c</p>');
  assert.is(html`<input value="${evil}" title='${evil}'>${evil}`.text.startsWith(`<input value="${evil}" title='${evil}'>a<span class="ctl"`), true);
  assert.is(html`<title>${evil} · x</title><h1>${evil}</h1>`.text, '<title>a\\u202eb\\x1bc · x</title><h1>a<span class="ctl" title="U+202E">\\u202e</span>b<span class="ctl" title="U+001B">\\x1b</span>c</h1>');
});

test("no markup from the statement survives: only the highlighter's own spans", () => {
  for (const sql of HOSTILE) {
    const markup = highlightSql(sql).text;
    const tags = markup.match(/<[^>]*>/g) ?? [];
    for (const tag of tags) assert.ok(/^<span class="sql-[a-z]+">$|^<span class="ctl" title="U\+[0-9A-F]{4,6}">$|^<\/span>$/.test(tag), `unexpected tag ${tag} from ${sql}`);
    assert.not.ok(/[<>"']/.test(markup.replace(/<span class="sql-[a-z]+">|<span class="ctl" title="U\+[0-9A-F]{4,6}">|<\/span>/g, "")), `unescaped character from ${sql}`);
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

import { describeRequest } from "../../engine/actions/request-text.js";
import { readStoredRequest } from "../../engine/actions/stored-request.js";
import { highlightSql } from "./highlight-sql.js";
import { html, type Html } from "./html.js";

/**
 * A request's text as the console shows it, highlighted in its language: `<pre class="request
 * lang-KIND">`. Takes the request as stored (an audit record, a recording, an approval), in today's
 * tagged form or an earlier one.
 */
export function requestCode(stored: unknown, inline = false): Html {
  const request = readStoredRequest(stored);
  if (!request) return html`<pre class="request${inline ? " inline" : ""}"><code>(no request text)</code></pre>`;
  const shown = describeRequest(request);
  return html`<pre class="request lang-${shown.language}${inline ? " inline" : ""}"><code>${highlighted(shown.language, shown.text)}</code></pre>`;
}

function highlighted(language: string, text: string): Html | string {
  switch (language) {
    case "sql":
      return highlightSql(text);
    default:
      return text;
  }
}

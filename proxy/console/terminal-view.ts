import type { TerminalLine } from "../../engine/recording/types.js";
import { html, type Html } from "./html.js";

/**
 * What a terminal session showed, as text: each output chunk a span with its time (console.js plays
 * them back at the recorded pace), stripped of the terminal's control sequences (colours, cursor
 * moves, titles), which a page cannot render and which could hide text. What was typed is not shown:
 * the pty echoes what it should. Bytes that were not UTF-8 are shown as what they decode to.
 */
export function terminalView(lines: TerminalLine[]): Html {
  const shown = lines.filter((l) => (l.event === "output" || l.event === "error") && l.data !== undefined);
  if (shown.length === 0) return html``;
  const resizes = lines.filter((l) => l.event === "resize");
  const size = resizes[0] ? ` ${resizes[0].cols}×${resizes[0].rows}` : "";
  return html`<details class="terminal" open><summary>Terminal${size} · ${shown.length} output chunk${shown.length === 1 ? "" : "s"}</summary><pre class="terminal">${shown.map(
    (l) => html`<span data-t-ms="${l.offset_ms}"${l.event === "error" ? html` class="stderr"` : ""}>${plain(l)}</span>`,
  )}</pre></details>`;
}

/** The chunk's text without control sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`), other escapes and C0 controls but newline and tab. */
function plain(line: TerminalLine): string {
  const text = line.encoding === "base64" ? Buffer.from(line.data ?? "", "base64").toString("utf8") : (line.data ?? "");
  return text
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, "")
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\u001b[@-_]/g, "")
    .replace(/\r\n/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
}

/**
 * Bash removes a backslash-newline pair before it splits words, wherever it is not quoted: `r\<newline>m` is
 * `rm`. The grammar instead reads the pair as a break between two words, so the pairs are removed here first,
 * as bash's reader does: not inside single quotes, `$'…'`, comments, or here-document bodies whose delimiter
 * was quoted.
 */

export interface Joined {
  text: string;
  /** For each character of `text`, its offset in the original; absent when nothing was removed. */
  origin?: number[];
}

const HEREDOC = /^<<-?[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|\\?([A-Za-z0-9_.-]+))/;

export function joinContinuations(source: string): Joined {
  if (!source.includes("\\\n")) return { text: source };
  let out = "";
  const origin: number[] = [];
  const emit = (from: number, to: number): void => {
    out += source.slice(from, to);
    for (let k = from; k < to; k++) origin.push(k);
  };
  const pending: Array<{ delimiter: string; literal: boolean; strip: boolean }> = [];
  let i = 0;
  let inDouble = false;
  let wordStart = true;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\\" && source[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "\\") {
      emit(i, Math.min(i + 2, source.length));
      i += 2;
      wordStart = false;
      continue;
    }
    if (inDouble) {
      if (c === '"') inDouble = false;
      emit(i, i + 1);
      i++;
      continue;
    }
    if (c === '"') {
      inDouble = true;
    } else if (c === "'" || (c === "$" && source[i + 1] === "'")) {
      const start = c === "$" ? i + 2 : i + 1;
      const end = quoteEnd(source, start, c === "$");
      emit(i, end);
      i = end;
      wordStart = false;
      continue;
    } else if (c === "#" && wordStart) {
      const end = lineEnd(source, i);
      emit(i, end);
      i = end;
      continue;
    } else if (c === "<" && source[i + 1] === "<" && source[i + 2] !== "<") {
      const match = HEREDOC.exec(source.slice(i));
      if (match) {
        const quoted = match[3] === undefined || match[0].includes("\\");
        pending.push({ delimiter: match[1] ?? match[2] ?? match[3] ?? "", literal: quoted, strip: match[0].startsWith("<<-") });
        emit(i, i + match[0].length);
        i += match[0].length;
        wordStart = false;
        continue;
      }
    } else if (c === "\n" && pending.length > 0) {
      emit(i, i + 1);
      i = heredocBodies(source, i + 1, pending.splice(0), emit);
      wordStart = true;
      continue;
    }
    emit(i, i + 1);
    wordStart = " \t\n;&|()<>".includes(c);
    i++;
  }
  return { text: out, origin };
}

/** The offset just past the closing quote of a '…' (or $'…', where \' does not close) string. */
function quoteEnd(source: string, start: number, ansi: boolean): number {
  let j = start;
  while (j < source.length && source[j] !== "'") j += ansi && source[j] === "\\" ? 2 : 1;
  return Math.min(j + 1, source.length);
}

function lineEnd(source: string, from: number): number {
  const nl = source.indexOf("\n", from);
  return nl < 0 ? source.length : nl;
}

/** Copies here-document bodies; backslash-newline pairs are removed only in bodies with an unquoted delimiter. */
function heredocBodies(
  source: string,
  from: number,
  docs: Array<{ delimiter: string; literal: boolean; strip: boolean }>,
  emit: (from: number, to: number) => void,
): number {
  let i = from;
  for (const doc of docs) {
    while (i < source.length) {
      const end = lineEnd(source, i);
      const line = source.slice(i, end);
      const closes = (doc.strip ? line.replace(/^\t+/, "") : line) === doc.delimiter;
      if (!doc.literal && !closes && line.endsWith("\\") && !line.endsWith("\\\\")) {
        emit(i, end - 1);
        i = end + 1;
        continue;
      }
      emit(i, Math.min(end + 1, source.length));
      i = end + 1;
      if (closes) break;
    }
  }
  return Math.min(i, source.length);
}

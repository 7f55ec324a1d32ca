/** Turns the grammar's redirection nodes into the document's redirects and the standard input they give. */
import type { Stdin } from "./context.js";
import type { Node } from "./parser.js";
import type { RedirectOp, ShellRedirect } from "./types.js";
import { substitutionsIn } from "./tokens.js";
import { expandWord } from "./words.js";

const OPS = new Set<string>([">", ">>", ">|", "<", "<>", "&>", "&>>", ">&", "<&", ">&-", "<&-", "<<", "<<-", "<<<"]);
const WRITES = new Set<string>([">", ">>", ">|", "&>", "&>>", "<>"]);

export interface ParsedRedirect {
  redirect: ShellRedirect;
  /** Set when this redirection replaces standard input. */
  stdin?: Stdin;
  /** Command and process substitutions in the target: they run too. */
  substitutions: Node[];
  /**
   * The grammar hangs whatever follows a here-document's operator on the same line (`cat <<EOF | sh`,
   * `bash <<EOF && ls`) under the redirect node; those nodes are the rest of the pipeline or list.
   */
  continuation: { pipeline?: Node; operator?: string; right?: Node };
}

export function parseRedirect(node: Node): ParsedRedirect {
  let fd: number | null = null;
  let op: RedirectOp | undefined;
  let destination: Node | null = null;
  const continuation: ParsedRedirect["continuation"] = {};
  let heredocStart = "";
  let heredocBody = "";
  const bodySubstitutions: Node[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i)!;
    const field = node.fieldNameForChild(i);
    if (field === "descriptor") fd = /^\d+$/.test(child.text) ? Number(child.text) : null;
    else if (field === "operator" && !child.isNamed && (child.type === "&&" || child.type === "||")) continuation.operator = child.type;
    else if (field === "right") continuation.right = child;
    else if (!child.isNamed && OPS.has(child.type)) op ??= child.type as RedirectOp;
    else if (child.type === "heredoc_start") heredocStart = child.text;
    else if (child.type === "heredoc_body") {
      heredocBody = child.text;
      bodySubstitutions.push(...substitutionsIn(child));
    }
    else if (child.type === "pipeline") continuation.pipeline = child;
    else if (child.type === "heredoc_end" || child.type === "comment") continue;
    else if (child.isNamed && destination === null) destination = child;
  }
  if (node.type === "heredoc_redirect") {
    // An unquoted here-document's command substitutions run while the body is read.
    const literal = /['"\\]/.test(heredocStart);
    return { ...heredoc(fd, op ?? "<<", heredocStart, heredocBody, continuation), substitutions: literal ? [] : bodySubstitutions };
  }
  if (node.type === "herestring_redirect") {
    const expanded = destination ? expandWord(destination, "assignment") : undefined;
    const field = expanded?.fields[0];
    const text = (field?.text ?? "") + "\n";
    return {
      redirect: { fd, op: "<<<", target: null, writes: false, target_dynamic: false },
      ...(fd === null || fd === 0 ? { stdin: { kind: "text", text, dynamic: field?.dynamic ?? true, from: "here-string" } as Stdin } : {}),
      substitutions: expanded?.substitutions ?? [],
      continuation,
    };
  }
  const operator: RedirectOp = op ?? ">";
  if (!destination) return { redirect: { fd, op: operator, target: null, writes: false, target_dynamic: false }, substitutions: [], continuation };
  const expanded = expandWord(destination);
  const only = expanded.fields.length === 1 ? expanded.fields[0]! : undefined;
  const dynamic = !only || only.dynamic || only.glob;
  const target = dynamic ? destination.text : only.text;
  const duplicates = (operator === ">&" || operator === "<&") && /^(\d+-?|-)$/.test(target);
  const writes = WRITES.has(operator) || (operator === ">&" && !duplicates);
  const readsStdin = (operator === "<" || operator === "<>" || operator === "<&") && (fd === null || fd === 0);
  return {
    redirect: { fd, op: operator, target, writes, target_dynamic: dynamic },
    ...(readsStdin ? { stdin: { kind: "file" } as Stdin } : {}),
    substitutions: expanded.substitutions,
    continuation,
  };
}

function heredoc(fd: number | null, op: RedirectOp, start: string, body: string, continuation: ParsedRedirect["continuation"]): ParsedRedirect {
  // A quoted delimiter (any quote or backslash in it) keeps the body literal; otherwise bash expands it.
  const literal = /['"\\]/.test(start);
  let text = op === "<<-" ? body.replace(/^\t+/gm, "") : body;
  let dynamic = false;
  if (!literal) {
    dynamic = /\$[A-Za-z0-9_{(@*#?$!-]|`/.test(text);
    text = text.replace(/\\([$`\\])/g, "$1").replace(/\\\n/g, "");
  }
  return {
    redirect: { fd, op, target: null, writes: false, target_dynamic: false },
    ...(fd === null || fd === 0 ? { stdin: { kind: "text", text, dynamic, from: "heredoc" } as Stdin } : {}),
    substitutions: [],
    continuation,
  };
}

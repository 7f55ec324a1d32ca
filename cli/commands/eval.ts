import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { buildBundle, decide, loadNormalizers, PolicyEvaluator, type DecisionRequest, type PolicyInput, type Protocol, type RawRequest } from "../../engine/index.js";
import { kubernetesRequestText } from "../../engine/actions/kubernetes/index.js";
import { sqlRequest } from "../../engine/actions/sql/request.js";
import { readStoredRequest } from "../../engine/actions/stored-request.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { stringOption, UsageError, type Command, type ParsedArgs } from "../command.js";
import { identityFrom, requestOptions, requestOptionsHelp, targetFrom } from "../request-options.js";

export const evalCommand: Command = {
  words: ["eval"],
  options: { ...requestOptions, sql: { type: "string" }, shell: { type: "string" }, kube: { type: "string" }, body: { type: "string" }, "content-type": { type: "string" }, input: { type: "string" }, policy: { type: "string" } },
  help: `Usage: portcullis eval --sql TEXT [identity and target options] [--policy DIR]
       portcullis eval --shell TEXT [identity and target options] [--policy DIR]
       portcullis eval --kube "METHOD URL" [--body FILE] [--content-type TYPE] [identity and target options]
       portcullis eval --input FILE [--policy DIR]

Builds the policy, normalizes the request exactly as the gateway does, evaluates it, and prints one
JSON object: the effect (allow, mask, approval or deny), the decision, the action document and timings.

Options:
  --sql TEXT          the SQL text, as a client would send it (to a postgres target)
  --shell TEXT        a shell command line, as an SSH client would send it (to an ssh target)
  --kube "METHOD URL" a Kubernetes API request as kubectl would send it (to a kubernetes target),
                      e.g. "DELETE /apis/apps/v1/namespaces/demo/deployments/web"
  --body FILE         with --kube: the request body (JSON or YAML); - for stdin
  --content-type T    with --kube: the body's media type (default application/json)
  --input FILE        a JSON file: a full policy input ({identity, session, target, action}), or a
                      request ({identity, target, request: {kind: "sql"|"shell", text}}, or the
                      short {request: {sql: TEXT}}) to normalize first; - for stdin
${requestOptionsHelp}
  --policy DIR        policy directory (default: the bundled policies/)
  -h, --help          show this help

Exit status: 0 when evaluated (whatever the decision), 1 on error, 2 on bad usage.

Example:
  portcullis eval --sql "DELETE FROM orders" --groups engineering --tag env=prod
  portcullis eval --shell "sudo systemctl restart nginx" --target web-1 --tag env=prod
  portcullis eval --kube "GET /api/v1/namespaces/demo/pods/web-1/exec?command=ls" --tag env=prod`,
  async run(args) {
    const sql = stringOption(args, "sql");
    const shell = stringOption(args, "shell");
    const kube = stringOption(args, "kube");
    const inputFile = stringOption(args, "input");
    if ([sql, shell, kube, inputFile].filter((v) => v !== undefined).length !== 1) throw new UsageError("give exactly one of --sql, --shell, --kube or --input");
    await loadNormalizers();
    const evaluator = await PolicyEvaluator.load(await buildBundle(resolve(stringOption(args, "policy") ?? defaultPolicyDir)));
    if (inputFile !== undefined) {
      const document = JSON.parse(inputFile === "-" ? await readStdin() : await readFile(inputFile, "utf8")) as unknown;
      if (isObject(document) && isObject(document.action)) {
        // A complete policy input: evaluate as given, the way a recorded input is replayed.
        const decision = evaluator.evaluate(document);
        print({ decision, input: document as unknown as PolicyInput, revision: evaluator.revision });
        return 0;
      }
      print(decide(evaluator, requestFromDocument(document, args)));
      return 0;
    }
    const request: RawRequest = kube !== undefined ? await kubeRequest(kube, args) : shell !== undefined ? { kind: "shell", text: shell } : sqlRequest(sql!);
    const protocol = protocolOf(request.kind);
    print(decide(evaluator, { identity: identityFrom(args), session: cliSession(protocol), target: targetFrom(args, protocol), request }));
    return 0;
  },
};

function requestFromDocument(document: unknown, args: ParsedArgs): DecisionRequest {
  const raw = isObject(document) ? readStoredRequest(document.request) : undefined;
  if (!isObject(document) || !raw) {
    throw new UsageError("--input must hold {identity, session, target, action} or {identity, target, request: {kind, text}} (or request: {sql})");
  }
  const request: DecisionRequest = {
    identity: (document.identity as DecisionRequest["identity"] | undefined) ?? identityFrom(args),
    session: (document.session as DecisionRequest["session"] | undefined) ?? cliSession(protocolOf(raw.kind)),
    target: (document.target as DecisionRequest["target"] | undefined) ?? targetFrom(args, protocolOf(raw.kind)),
    request: storedRaw(raw),
  };
  if (isObject(document.approval)) request.approval = document.approval as unknown as NonNullable<DecisionRequest["approval"]>;
  return request;
}

/** The request of a stored document, without what storing added (a cut text's length and hash). */
function storedRaw(raw: RawRequest): RawRequest {
  switch (raw.kind) {
    case "shell":
      return { kind: "shell", text: raw.text, ...(raw.interactive === true ? { interactive: true } : {}), ...(raw.env ? { env: raw.env } : {}) };
    case "file":
      return { kind: "file", text: raw.text, operation: raw.operation, path: raw.path, ...(raw.to !== undefined ? { to: raw.to } : {}), ...(raw.mode ? { mode: raw.mode } : {}) };
    case "sql":
    case "kubernetes":
      return { kind: raw.kind, text: raw.text };
  }
}

/** The protocol whose gateway sends a request of this kind. */
function protocolOf(kind: RawRequest["kind"]): Protocol {
  return kind === "shell" || kind === "file" ? "ssh" : kind === "kubernetes" ? "kubernetes" : "postgres";
}

/** `--kube "METHOD URL"` with its body, as the gateway would have written the request. */
async function kubeRequest(line: string, args: ParsedArgs): Promise<RawRequest> {
  const [method, target, extra] = line.trim().split(/\s+/);
  if (!method || !target || extra !== undefined) throw new UsageError(`--kube takes "METHOD URL" (got "${line}")`);
  const bodyFile = stringOption(args, "body");
  const body = bodyFile === undefined ? "" : bodyFile === "-" ? await readStdin() : await readFile(bodyFile, "utf8");
  const contentType = stringOption(args, "content-type") ?? (body === "" ? undefined : "application/json");
  return { kind: "kubernetes", text: kubernetesRequestText({ method: method.toUpperCase(), target, headers: contentType ? [["content-type", contentType]] : [], body }) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function cliSession(protocol: Protocol): DecisionRequest["session"] {
  return { id: "cli", protocol, started_at: new Date().toISOString() };
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

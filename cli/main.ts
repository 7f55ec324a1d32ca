import { messageOf, PortcullisError } from "../engine/errors.js";
import { visibleBlock } from "../engine/text/visible-text.js";
import { parse, UsageError } from "./command.js";
import { COMMANDS, type CommandEntry } from "./registry.js";

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(" ").length));
  const lines = COMMANDS.map((c) => `  ${c.words.join(" ").padEnd(width)}  ${c.summary}`);
  return `Usage: portcullis <command> [options]

Portcullis is a policy-as-code access gateway: every SQL statement, shell command and Kubernetes
request is normalized into an action document and decided by Rego policies compiled to WebAssembly.

Commands:
${lines.join("\n")}

Run \`portcullis <command> --help\` for a command's options.`;
}

/** Finds the longest command whose words prefix argv. */
function find(argv: string[]): { command: CommandEntry; rest: string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w));
  matches.sort((a, b) => b.words.length - a.words.length);
  const command = matches[0];
  return command ? { command, rest: argv.slice(command.words.length) } : undefined;
}

/** Runs the CLI; resolves to the exit status. */
export async function run(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const found = find(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.words[0] === argv[0]);
    if (group.length > 0 && (argv.length === 1 || argv[1]?.startsWith("-"))) {
      console.log(`Usage: portcullis ${argv[0]} <${group.map((c) => c.words.slice(1).join(" ")).join("|")}> [options]\n`);
      for (const c of group) console.log(`  ${c.words.join(" ")}  ${c.summary}`);
      return argv.includes("--help") || argv.includes("-h") ? 0 : 2;
    }
    console.error(`portcullis: unknown command "${visibleBlock(argv.join(" "))}"\n\n${overview()}`);
    return 2;
  }
  const { command: entry, rest } = found;
  const command = await entry.load();
  try {
    const args = parse(command, rest);
    if (args.values.help) {
      console.log(command.help);
      return 0;
    }
    return await command.run(args);
  } catch (error) {
    // Messages quote what the gateway, an issuer or the command line said: their controls are escaped.
    if (error instanceof UsageError) {
      console.error(`portcullis ${command.words.join(" ")}: ${visibleBlock(error.message)}\nRun \`portcullis ${command.words.join(" ")} --help\` for usage.`);
      return 2;
    }
    if (error instanceof PortcullisError) {
      console.error(`portcullis: ${visibleBlock(error.message)}${error.detail ? `\n${visibleBlock(error.detail)}` : ""}`);
      return 1;
    }
    console.error(`portcullis: ${visibleBlock(messageOf(error))}`);
    return 1;
  }
}

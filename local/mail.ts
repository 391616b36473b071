// `npm run mail -- send --to ADDRESS[,ADDRESS…] --from ADDRESS --subject TEXT [--body TEXT] [--cc …]
// [--in-reply-to MESSAGE-ID]`: delivers a test email from outside into the running local stack's
// simulated mailboxes, as mail from the internet arrives, so tracking can be tried by hand.
import { pathToFileURL } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { looksLikeEmailAddress } from "../src/domain/settings.js";
import { NoStackError, readConnectionFile, stackFetch, type StackConnection } from "./connection.js";

export interface SendMailOptions {
  to: string[];
  cc: string[];
  from: string;
  name?: string;
  subject: string;
  body: string;
  inReplyTo?: string;
}

function addresses(text: string): string[] {
  const list = text.split(",").map((item) => item.trim().toLowerCase()).filter((item) => item !== "");
  const bad = list.filter((item) => !looksLikeEmailAddress(item));
  if (list.length === 0 || bad.length > 0) throw new InvalidArgumentError(`must be email addresses, comma-separated (got "${text}")`);
  return list;
}

export function parseMailArgs(argv: readonly string[]): SendMailOptions {
  let parsed: SendMailOptions | undefined;
  const program = new Command("mail").description("Deliver test email into the local stack's simulated mailboxes").exitOverride().configureOutput({ writeErr: () => {} });
  program
    .command("send")
    .description("deliver one email from outside")
    .requiredOption("--to <addresses>", "recipients (simulated mailboxes), comma-separated", addresses)
    .option("--cc <addresses>", "cc recipients, comma-separated", addresses, [] as string[])
    .requiredOption("--from <address>", "the external sender", (text: string) => addresses(text)[0] ?? "")
    .option("--name <name>", "the sender's display name")
    .requiredOption("--subject <text>", "the subject")
    .option("--body <text>", "the plain-text body", "")
    .option("--in-reply-to <message-id>", "answer an earlier email (sets In-Reply-To and References)")
    .action((opts: Omit<SendMailOptions, "inReplyTo"> & { inReplyTo?: string }) => {
      parsed = { ...opts };
    });
  program.parse([...argv], { from: "user" });
  if (!parsed) throw new Error("a command is required: send (see --help)");
  return parsed;
}

export async function sendMail(
  connection: StackConnection,
  options: SendMailOptions,
): Promise<{ internetMessageId: string; deliveries: Array<{ mailboxId: string }> }> {
  const trusting = await stackFetch(connection);
  const inReplyTo = options.inReplyTo ? (options.inReplyTo.startsWith("<") ? options.inReplyTo : `<${options.inReplyTo}>`) : undefined;
  try {
    const response = await trusting.fetch(connection.graph.deliverUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        to: options.to,
        cc: options.cc,
        from: { address: options.from, ...(options.name ? { name: options.name } : {}) },
        subject: options.subject,
        body: options.body,
        ...(inReplyTo ? { headers: [{ name: "In-Reply-To", value: inReplyTo }, { name: "References", value: inReplyTo }] } : {}),
      }),
    });
    const body = (await response.json()) as { internetMessageId: string; deliveries: Array<{ mailboxId: string }>; error?: string };
    if (!response.ok) throw new Error(`the simulator refused the email: ${body.error ?? response.status}`);
    return body;
  } finally {
    await trusting.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: SendMailOptions;
  try {
    options = parseMailArgs(process.argv.slice(2));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version") process.exit(0);
    console.error(error instanceof Error ? error.message.replace(/^error: /, "") : String(error));
    process.exit(2);
  }
  try {
    const result = await sendMail(await readConnectionFile(), options);
    console.log(`Delivered ${result.internetMessageId} to ${result.deliveries.length} mailbox(es); the tracker picks it up through the webhook.`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof NoStackError ? 2 : 1);
  }
}

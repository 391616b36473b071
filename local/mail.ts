// `npm run mail -- send --to ADDRESS[,ADDRESS…] --from ADDRESS --subject TEXT [--body TEXT] [--cc …]
// [--in-reply-to MESSAGE-ID]`: delivers a test email from outside into the running local stack's
// simulated mailboxes, as mail from the internet arrives, so tracking can be tried by hand.
// `move`, `categorize` and `folders` file mail as a user would in Outlook (local/mail-graph.ts).
import { pathToFileURL } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { looksLikeEmailAddress } from "../src/domain/settings.js";
import { NoStackError, readConnectionFile, stackFetch, type StackConnection } from "./connection.js";
import { categorizeMessage, folders, moveMessage } from "./mail-graph.js";

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

export type MailCommand =
  | ({ kind: "send" } & SendMailOptions)
  | { kind: "move"; mailbox: string; message: string; folder: string }
  | { kind: "categorize"; mailbox: string; message: string; add?: string; remove?: string }
  | { kind: "folders"; mailbox: string };

const mailbox = (text: string) => addresses(text)[0] ?? "";

export function parseMailArgs(argv: readonly string[]): MailCommand {
  let parsed: MailCommand | undefined;
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
      parsed = { kind: "send", ...opts };
    });
  program
    .command("move")
    .description("move a message into a folder, as a user does in Outlook")
    .requiredOption("--mailbox <address>", "the simulated mailbox", mailbox)
    .requiredOption("--message <id or subject>", "the message's Graph id, or its subject (the newest match)")
    .requiredOption("--folder <path or id>", 'a folder below the Inbox by path ("Projects/Contoso"), a folder id or a well-known name')
    .action((opts: { mailbox: string; message: string; folder: string }) => {
      parsed = { kind: "move", ...opts };
    });
  program
    .command("categorize")
    .description("add or remove a category on a message")
    .requiredOption("--mailbox <address>", "the simulated mailbox", mailbox)
    .requiredOption("--message <id or subject>", "the message's Graph id, or its subject (the newest match)")
    .option("--category <name>", "the category to add")
    .option("--remove <name>", "the category to remove")
    .action((opts: { mailbox: string; message: string; category?: string; remove?: string }) => {
      if (!opts.category?.trim() && !opts.remove?.trim()) throw new InvalidArgumentError("categorize needs --category NAME or --remove NAME");
      parsed = { kind: "categorize", mailbox: opts.mailbox, message: opts.message, ...(opts.category?.trim() ? { add: opts.category.trim() } : {}), ...(opts.remove?.trim() ? { remove: opts.remove.trim() } : {}) };
    });
  program
    .command("folders")
    .description("list the folders below a mailbox's Inbox (paths and ids)")
    .requiredOption("--mailbox <address>", "the simulated mailbox", mailbox)
    .action((opts: { mailbox: string }) => {
      parsed = { kind: "folders", ...opts };
    });
  program.parse([...argv], { from: "user" });
  if (!parsed) throw new Error("a command is required: send, move, categorize or folders (see --help)");
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

/** Runs a parsed command; the line to print. */
export async function runMailCommand(connection: StackConnection, command: MailCommand): Promise<string> {
  switch (command.kind) {
    case "send": {
      const result = await sendMail(connection, command);
      return `Delivered ${result.internetMessageId} to ${result.deliveries.length} mailbox(es); the tracker picks it up through the webhook.`;
    }
    case "move": {
      const moved = await moveMessage(connection, command);
      return `Moved "${moved.subject}" into ${moved.folder.path} (${moved.folder.id}); its id is now ${moved.id}. A tracked folder's subscription picks it up.`;
    }
    case "categorize": {
      const result = await categorizeMessage(connection, command);
      return `"${result.subject}" now has categories: ${result.categories.join(", ") || "none"}.`;
    }
    case "folders": {
      const list = await folders(connection, command);
      return list.length === 0 ? `${command.mailbox} has no folders below the Inbox.` : list.map((item) => `${item.path}\t${item.id}`).join("\n");
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let command: MailCommand;
  try {
    command = parseMailArgs(process.argv.slice(2));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version") process.exit(0);
    console.error(error instanceof Error ? error.message.replace(/^error: /, "") : String(error));
    process.exit(2);
  }
  try {
    console.log(await runMailCommand(await readConnectionFile(), command));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof NoStackError ? 2 : 1);
  }
}

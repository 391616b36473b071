// `npm run mailbox`: a thin client of the admin API (src/cli/mailbox-api.ts). The API is the running
// local stack's (from .local/stack.json) unless --api or TRACKER_API_URL names another; the token
// is --token or TRACKER_API_TOKEN (locally: npm run --silent token -- --roles Tracking.Admin).
// `--break-glass` instead runs the old command on the app's own settings (local.settings.json and
// the environment: Cosmos DB and Graph credentials), for when the API itself cannot be used.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main as breakGlass } from "../src/cli/mailbox.js";
import { MailboxApiUsageError, parseMailboxApiArgs, runMailboxApi } from "../src/cli/mailbox-api.js";
import { NoStackError, readConnectionFile } from "./connection.js";
import { loadLocalSettings } from "./host/main.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Takes `--name value` / `--name=value` out of argv. */
function takeOption(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === name) return argv.splice(i, 2)[1];
    if (arg.startsWith(`${name}=`)) return argv.splice(i, 1)[0]?.slice(name.length + 1);
  }
  return undefined;
}

export async function mailboxCommand(args: readonly string[]): Promise<number> {
  const argv = [...args];
  const glass = argv.indexOf("--break-glass");
  if (glass >= 0) {
    argv.splice(glass, 1);
    await loadLocalSettings(path.join(repoRoot, "local.settings.json"));
    return breakGlass(argv);
  }
  const apiOption = takeOption(argv, "--api") ?? process.env["TRACKER_API_URL"];
  const token = takeOption(argv, "--token") ?? process.env["TRACKER_API_TOKEN"];
  let command;
  try {
    command = parseMailboxApiArgs(argv);
  } catch (error) {
    if (error instanceof MailboxApiUsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (command.kind === "help") {
    console.log("\nOptions: --api URL (default: the running npm start), --token TOKEN (or TRACKER_API_TOKEN), --break-glass (use the app's own settings instead of the API)");
    return 0;
  }
  let apiUrl = apiOption;
  if (!apiUrl) {
    try {
      apiUrl = (await readConnectionFile()).apiUrl;
    } catch (error) {
      if (!(error instanceof NoStackError)) throw error;
      console.error(`${error.message}; or name the API with --api / TRACKER_API_URL`);
      return 2;
    }
  }
  if (!token) {
    console.error("a bearer token is required: --token or TRACKER_API_TOKEN (locally: export TRACKER_API_TOKEN=$(npm run --silent token -- --roles Tracking.Admin,Tracking.Approve))");
    return 2;
  }
  return runMailboxApi(command, { apiUrl, token });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await mailboxCommand(process.argv.slice(2));
}

// `npm run --silent token -- --roles Tracking.Admin[,Tracking.Read…] [--user ADDRESS]`: prints only a
// bearer token for the running local stack's admin API, signed by the Graph simulator and carrying
// those app roles (none: a signed-in user without a role). The user's oid is derived from the
// address, so `--user` names the same person on every run (set it as a mailbox's ownerObjectId).
import { pathToFileURL } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { ALL_APP_ROLES, isAppRole } from "../src/api/roles.js";
import { looksLikeEmailAddress } from "../src/domain/settings.js";
import { NoStackError, readConnectionFile, requestApiToken } from "./connection.js";

export interface TokenOptions {
  roles: string[];
  user?: string;
}

export function parseTokenArgs(argv: readonly string[]): TokenOptions {
  const program = new Command("token")
    .description("Print a bearer token for the local stack's admin API")
    .option("--roles <roles>", `comma-separated app roles: ${ALL_APP_ROLES.join(", ")} (default: none)`, parseRoles, [] as string[])
    .option("--user <address>", "the signed-in user (default: admin@<tenant>.example)", parseUser)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  program.parse([...argv], { from: "user" });
  const opts = program.opts<{ roles: string[]; user?: string }>();
  return { roles: opts.roles, ...(opts.user ? { user: opts.user } : {}) };
}

function parseRoles(text: string): string[] {
  const roles = text.split(",").map((role) => role.trim()).filter((role) => role !== "");
  const unknown = roles.filter((role) => !isAppRole(role));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown role ${unknown.join(", ")} (known: ${ALL_APP_ROLES.join(", ")})`);
  return roles;
}

function parseUser(text: string): string {
  const address = text.trim().toLowerCase();
  if (!looksLikeEmailAddress(address)) throw new InvalidArgumentError(`--user must be an email address (got "${text}")`);
  return address;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: TokenOptions;
  try {
    options = parseTokenArgs(process.argv.slice(2));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.help") process.exit(0);
    console.error(error instanceof Error ? error.message.replace(/^error: /, "") : String(error));
    process.exit(2);
  }
  try {
    process.stdout.write(`${await requestApiToken(await readConnectionFile(), options)}\n`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof NoStackError ? 2 : 1);
  }
}

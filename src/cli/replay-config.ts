// The replay's configuration files: settings, CRM records, and the checks an admin needs before a
// what-if means anything (does the mailbox address belong to a user or a queue?). Every problem of
// a file is reported at once, named by file, record index and field.
import { readFile } from "node:fs/promises";
import { errorMessage, parseRecords, ReplayUsageError, type ReplayConfiguration } from "../app/replay/configuration.js";
import { defaultOrganizationSettings, parseMailboxSettings, parseSettingsFile, SettingsError } from "../domain/settings.js";
import type { MailboxSettings, OrganizationSettings } from "../domain/types.js";

export { configurationWarnings, errorMessage, parseRecords, ReplayUsageError, type ReplayConfiguration } from "../app/replay/configuration.js";

export interface ConfigurationFiles {
  settingsFile?: string;
  recordsFile?: string;
  mailbox?: string;
}

/**
 * Reads and validates the settings and records files and works out the receiving mailbox.
 * Throws ReplayUsageError naming the file and every problem in it.
 */
export async function loadConfiguration(options: ConfigurationFiles): Promise<ReplayConfiguration> {
  const { organization, mailbox: fileMailbox } = options.settingsFile
    ? await loadSettingsFile(options.settingsFile)
    : { organization: defaultOrganizationSettings(), mailbox: undefined };

  const address = options.mailbox?.trim() || fileMailbox?.address;
  if (!address) {
    throw new ReplayUsageError(
      options.settingsFile
        ? `--mailbox is required: ${options.settingsFile} has no mailbox.address, and the replay needs the receiving mailbox`
        : "--mailbox is required: it names the receiving mailbox (or give --settings with a mailbox.address)",
    );
  }
  let mailbox: MailboxSettings;
  try {
    // --mailbox replays the settings file's mailbox settings under another address; alone, it gets defaults.
    mailbox = parseMailboxSettings({ ...(fileMailbox ?? {}), address });
  } catch (error) {
    if (error instanceof SettingsError) throw new ReplayUsageError(`--mailbox: ${error.message}`);
    throw error;
  }

  const records = options.recordsFile
    ? parseRecords(await readJson(options.recordsFile, "records"), options.recordsFile)
    : [];
  return { organization, mailbox, records };
}

/** A settings file for --settings or --compare: every problem, one per line. */
export async function loadSettingsFile(file: string): Promise<{ organization: OrganizationSettings; mailbox?: MailboxSettings }> {
  const input = await readJson(file, "settings");
  try {
    return parseSettingsFile(input);
  } catch (error) {
    if (error instanceof SettingsError) throw new ReplayUsageError(error.problems.map((p) => `${file}: ${p}`).join("\n"));
    throw error;
  }
}

export async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readText(file, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (caught) {
    throw new ReplayUsageError(`${file}: the ${what} file is not valid JSON (${errorMessage(caught)})`);
  }
}

export async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (caught) {
    const code = (caught as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : errorMessage(caught);
    throw new ReplayUsageError(`cannot read the ${what} file ${file}: ${why}`);
  }
}


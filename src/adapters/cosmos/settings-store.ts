import type { Container } from "@azure/cosmos";
import type { SettingsStore } from "../../app/ports.js";
import type { MailboxSettings, OrganizationSettings } from "../../domain/types.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { normaliseAddress } from "./record-directory.js";

type SettingsDocument =
  | { id: string; kind: "organization"; settings: OrganizationSettings }
  | { id: string; kind: "mailbox"; settings: MailboxSettings };

const ORGANIZATION_ID = "organization";

function mailboxId(address: string): string {
  return toDocumentId(`mailbox:${normaliseAddress(address)}`);
}

/** Organization and mailbox settings: point reads and upserts by id. */
export function createCosmosSettingsStore(container: Container): SettingsStore {
  const read = async (id: string): Promise<SettingsDocument | undefined> => {
    try {
      const { resource } = await container.item(id, id).read<SettingsDocument>();
      return resource;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  return {
    getOrganization: () =>
      translateErrors("getOrganization", async () => {
        const document = await read(ORGANIZATION_ID);
        return document?.kind === "organization" ? document.settings : undefined;
      }),
    putOrganization: (settings) =>
      translateErrors("putOrganization", async () => {
        const document: SettingsDocument = { id: ORGANIZATION_ID, kind: "organization", settings };
        await container.items.upsert(document);
      }),
    getMailbox: (address) =>
      translateErrors("getMailbox", async () => {
        const document = await read(mailboxId(address));
        return document?.kind === "mailbox" ? document.settings : undefined;
      }),
    putMailbox: (settings) =>
      translateErrors("putMailbox", async () => {
        const normalised = { ...settings, address: normaliseAddress(settings.address) };
        const document: SettingsDocument = { id: mailboxId(normalised.address), kind: "mailbox", settings: normalised };
        await container.items.upsert(document);
      }),
    // Cross-partition on purpose: the settings container holds one document per mailbox and this
    // runs when subscriptions are renewed or the CLI lists mailboxes, never per email.
    listMailboxes: () =>
      translateErrors("listMailboxes", async () => {
        const { resources } = await container.items
          .query<SettingsDocument>({ query: "SELECT * FROM c WHERE c.kind = @kind", parameters: [{ name: "@kind", value: "mailbox" }] })
          .fetchAll();
        return resources
          .flatMap((document) => (document.kind === "mailbox" ? [document.settings] : []))
          .sort((a, b) => a.address.localeCompare(b.address));
      }),
  };
}

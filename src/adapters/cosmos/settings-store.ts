import type { Container, ItemDefinition } from "@azure/cosmos";
import type { MailboxStatus, Page, SaveResult, SettingsStore, Versioned } from "../../app/ports.js";
import type { MailboxSettings, OrganizationSettings } from "../../domain/types.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";
import { normalizeAddress } from "../../domain/address.js";
import { withOrganizationDefaults } from "../../domain/settings.js";

type SettingsDocument =
  | { id: string; kind: "organization"; settings: OrganizationSettings }
  | { id: string; kind: "mailbox"; settings: MailboxSettings }
  | { id: string; kind: "mailboxStatus"; address: string; status: MailboxStatus };

type Stored = SettingsDocument & { _etag?: string };

const ORGANIZATION_ID = "organization";

function organizationOf(document: Stored): OrganizationSettings | undefined {
  return document.kind === "organization" ? withOrganizationDefaults(document.settings) : undefined;
}

function mailboxId(address: string): string {
  return toDocumentId(`mailbox:${normalizeAddress(address)}`);
}

function mailboxStatusId(address: string): string {
  return toDocumentId(`mailbox-status:${normalizeAddress(address)}`);
}

/** Continuation tokens are handed to API callers: opaque, and checked for shape on the way back. */
function encodeContinuation(token: string | undefined): string | undefined {
  return token === undefined ? undefined : Buffer.from(token, "utf8").toString("base64url");
}

function decodeContinuation(token: string | undefined): string | undefined {
  return token === undefined ? undefined : Buffer.from(token, "base64url").toString("utf8");
}

/** Organization and mailbox settings: point reads and upserts by id. */
export function createCosmosSettingsStore(container: Container): SettingsStore {
  const read = (id: string): Promise<Stored | undefined> => readItem<Stored>(container, id, id);

  /** Create when `ifMatch` is undefined, else replace if the version still matches. */
  const save = async (document: SettingsDocument, ifMatch: string | undefined): Promise<SaveResult> => {
    try {
      const response =
        ifMatch === undefined
          ? await container.items.create(document as ItemDefinition)
          : await container.item(document.id, document.id).replace(document as ItemDefinition, { accessCondition: { type: "IfMatch", condition: ifMatch } });
      return { saved: true, etag: response.etag ?? response.resource?._etag ?? "" };
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412 || status === 404) return { saved: false };
      throw error;
    }
  };

  const versioned = <T>(document: Stored | undefined, pick: (document: Stored) => T | undefined): Versioned<T> | undefined => {
    const value = document ? pick(document) : undefined;
    return document && value !== undefined ? { value, etag: document._etag ?? "" } : undefined;
  };

  return {
    getOrganization: () =>
      translateErrors("getOrganization", async () => {
        const document = await read(ORGANIZATION_ID);
        return document ? organizationOf(document) : undefined;
      }),
    putOrganization: (settings) =>
      translateErrors("putOrganization", async () => {
        const document: SettingsDocument = { id: ORGANIZATION_ID, kind: "organization", settings };
        await container.items.upsert(document);
      }),
    getOrganizationVersion: () =>
      translateErrors("getOrganizationVersion", async () =>
        versioned(await read(ORGANIZATION_ID), organizationOf),
      ),
    saveOrganization: (settings, options) =>
      translateErrors("saveOrganization", () => save({ id: ORGANIZATION_ID, kind: "organization", settings }, options.ifMatch)),
    getMailbox: (address) =>
      translateErrors("getMailbox", async () => {
        const document = await read(mailboxId(address));
        return document?.kind === "mailbox" ? document.settings : undefined;
      }),
    putMailbox: (settings) =>
      translateErrors("putMailbox", async () => {
        const normalised = { ...settings, address: normalizeAddress(settings.address) };
        const document: SettingsDocument = { id: mailboxId(normalised.address), kind: "mailbox", settings: normalised };
        await container.items.upsert(document);
      }),
    getMailboxVersion: (address) =>
      translateErrors("getMailboxVersion", async () =>
        versioned(await read(mailboxId(address)), (document) => (document.kind === "mailbox" ? document.settings : undefined)),
      ),
    saveMailbox: (settings, options) =>
      translateErrors("saveMailbox", () => {
        const normalised = { ...settings, address: normalizeAddress(settings.address) };
        return save({ id: mailboxId(normalised.address), kind: "mailbox", settings: normalised }, options.ifMatch);
      }),
    deleteMailbox: (address) =>
      translateErrors("deleteMailbox", async () => {
        let existed = true;
        for (const id of [mailboxId(address), mailboxStatusId(address)]) {
          try {
            await container.item(id, id).delete();
          } catch (error) {
            if (statusOf(error) !== 404) throw error;
            if (id === mailboxId(address)) existed = false;
          }
        }
        return existed;
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
    listMailboxPage: (options) =>
      translateErrors("listMailboxPage", async (): Promise<Page<MailboxSettings>> => {
        const conditions = ["c.kind = @kind"];
        const parameters: Array<{ name: string; value: string | boolean }> = [{ name: "@kind", value: "mailbox" }];
        if (options.enabled !== undefined) {
          conditions.push("c.settings.enabled = @enabled");
          parameters.push({ name: "@enabled", value: options.enabled });
        }
        if (options.approvalStatus !== undefined) {
          conditions.push("c.settings.approvalStatus = @approvalStatus");
          parameters.push({ name: "@approvalStatus", value: options.approvalStatus });
        }
        const continuationToken = decodeContinuation(options.continuationToken);
        const iterator = container.items.query<SettingsDocument>(
          { query: `SELECT * FROM c WHERE ${conditions.join(" AND ")}`, parameters },
          { maxItemCount: options.limit, ...(continuationToken ? { continuationToken } : {}) },
        );
        const page = await iterator.fetchNext();
        const next = encodeContinuation(page.continuationToken);
        return {
          items: page.resources.flatMap((document) => (document.kind === "mailbox" ? [document.settings] : [])),
          ...(next ? { continuationToken: next } : {}),
        };
      }),
    getMailboxStatus: (address) =>
      translateErrors("getMailboxStatus", async () => {
        const document = await read(mailboxStatusId(address));
        return document?.kind === "mailboxStatus" ? document.status : undefined;
      }),
    putMailboxStatus: (address, status) =>
      translateErrors("putMailboxStatus", async () => {
        const normalised = normalizeAddress(address);
        const document: SettingsDocument = { id: mailboxStatusId(normalised), kind: "mailboxStatus", address: normalised, status };
        await container.items.upsert(document);
      }),
  };
}

// The admin side of the SettingsStore: versions (ETag / If-Match), paging, delete and the mailbox
// status. Every implementation runs it (Cosmos DB here; the in-memory store too).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailboxStatus } from "../../src/app/ports.js";
import { defaultOrganizationSettings, parseMailboxSettings } from "../../src/domain/settings.js";
import type { OpenContractStore, ContractStore } from "./tracking-store-contract.js";

const unique = (prefix: string) => `${prefix}-${randomUUID()}@contoso.com`;

export function describeSettingsStoreContract(name: string, open: OpenContractStore): void {
  describe(`SettingsStore admin contract: ${name}`, () => {
    let shared: ContractStore;
    beforeAll(async () => {
      shared = await open();
    });
    afterAll(async () => {
      await shared?.dispose();
    });
    const withFreshStore = async (run: (opened: ContractStore) => Promise<void>) => {
      const opened = await open();
      try {
        await run(opened);
      } finally {
        await opened.dispose();
      }
    };

    it("saves the organization only against the version it read", async () => {
      await withFreshStore(async ({ store }) => {
        expect(await store.settings.getOrganizationVersion()).toBeUndefined();
        const first = await store.settings.saveOrganization(defaultOrganizationSettings(), { ifMatch: undefined });
        expect(first.saved).toBe(true);
        // Creating again (someone else created first) is refused.
        expect(await store.settings.saveOrganization(defaultOrganizationSettings(), { ifMatch: undefined })).toEqual({ saved: false });
        const read = await store.settings.getOrganizationVersion();
        expect(read?.etag).toBe(first.saved ? first.etag : "");
        const changed = { ...defaultOrganizationSettings(), trackingTokenPrefix: "TKN:" };
        const second = await store.settings.saveOrganization(changed, { ifMatch: read?.etag });
        expect(second.saved).toBe(true);
        expect(second.saved && second.etag).not.toBe(read?.etag);
        // The first version is stale now.
        expect(await store.settings.saveOrganization(defaultOrganizationSettings(), { ifMatch: read?.etag })).toEqual({ saved: false });
        expect((await store.settings.getOrganization())?.trackingTokenPrefix).toBe("TKN:");
      });
    });

    it.each(["categoryRetryIntervalInMinutes", "itemLogRetentionInDays"] as const)(
      "an organization saved before %s existed reads with that setting's default",
      async (key) => {
        await withFreshStore(async ({ store }) => {
          const { [key]: _missing, ...older } = { ...defaultOrganizationSettings(), trackingTokenPrefix: "OLD:" };
          await store.settings.putOrganization(older as ReturnType<typeof defaultOrganizationSettings>);
          expect(await store.settings.getOrganization()).toEqual({ ...defaultOrganizationSettings(), trackingTokenPrefix: "OLD:" });
          expect((await store.settings.getOrganizationVersion())?.value[key]).toBe(defaultOrganizationSettings()[key]);
        });
      },
    );

    it("saves a mailbox only against the version it read, under its lower-cased address", async () => {
      const address = unique("Dana");
      const settings = parseMailboxSettings({ address, approvalStatus: "empty", ownerObjectId: randomUUID() });
      const created = await shared.store.settings.saveMailbox(settings, { ifMatch: undefined });
      expect(created.saved).toBe(true);
      expect(await shared.store.settings.saveMailbox(settings, { ifMatch: undefined })).toEqual({ saved: false });
      const read = await shared.store.settings.getMailboxVersion(address.toUpperCase());
      expect(read?.value).toEqual(settings);
      const approved = await shared.store.settings.saveMailbox({ ...settings, approvalStatus: "approved" }, { ifMatch: read?.etag });
      expect(approved.saved).toBe(true);
      expect(await shared.store.settings.saveMailbox(settings, { ifMatch: read?.etag })).toEqual({ saved: false });
      expect((await shared.store.settings.getMailbox(address))?.approvalStatus).toBe("approved");
      // Replacing a mailbox that does not exist is refused, not created.
      expect(await shared.store.settings.saveMailbox(parseMailboxSettings({ address: unique("nobody") }), { ifMatch: read?.etag ?? "x" })).toEqual({ saved: false });
    });

    it("deletes a mailbox with its status, once", async () => {
      const address = unique("gone");
      await shared.store.settings.putMailbox(parseMailboxSettings({ address }));
      const status: MailboxStatus = { incoming: { status: "success", at: "2025-01-01T00:00:00.000Z" }, outgoing: { status: "notRun" } };
      await shared.store.settings.putMailboxStatus(address, status);
      expect(await shared.store.settings.getMailboxStatus(address.toUpperCase())).toEqual(status);
      expect(await shared.store.settings.deleteMailbox(address)).toBe(true);
      expect(await shared.store.settings.getMailbox(address)).toBeUndefined();
      expect(await shared.store.settings.getMailboxStatus(address)).toBeUndefined();
      expect(await shared.store.settings.deleteMailbox(address)).toBe(false);
    });

    it("pages through mailboxes with continuation tokens, optionally by state", async () => {
      await withFreshStore(async ({ store }) => {
        await store.settings.putOrganization(defaultOrganizationSettings());
        const addresses = Array.from({ length: 7 }, (_, i) => `m${i}@contoso.com`);
        for (const [i, address] of addresses.entries()) {
          await store.settings.putMailbox(parseMailboxSettings({ address, enabled: i % 2 === 0, ...(i < 2 ? { approvalStatus: "pendingApproval" } : {}) }));
          await store.settings.putMailboxStatus(address, { incoming: { status: "notRun" }, outgoing: { status: "notRun" } });
        }
        const seen: string[] = [];
        let continuationToken: string | undefined;
        let pages = 0;
        do {
          const page = await store.settings.listMailboxPage({ limit: 3, ...(continuationToken ? { continuationToken } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.items.map((mailbox) => mailbox.address));
          continuationToken = page.continuationToken;
          pages += 1;
        } while (continuationToken && pages < 10);
        expect(seen.sort()).toEqual(addresses);
        expect(pages).toBeGreaterThanOrEqual(3);

        const enabled = await store.settings.listMailboxPage({ limit: 100, enabled: true });
        expect(enabled.items.map((mailbox) => mailbox.address).sort()).toEqual(["m0@contoso.com", "m2@contoso.com", "m4@contoso.com", "m6@contoso.com"]);
        expect(enabled.continuationToken).toBeUndefined();
        const pending = await store.settings.listMailboxPage({ limit: 100, approvalStatus: "pendingApproval" });
        expect(pending.items.map((mailbox) => mailbox.address).sort()).toEqual(["m0@contoso.com", "m1@contoso.com"]);
      });
    });

    it("pages give each mailbox once when addresses share a prefix (user1@, user10@, user1.x@)", async () => {
      await withFreshStore(async ({ store }) => {
        // localeCompare and code-unit order disagree on these ("@" and "." against digits).
        const addresses = ["user1@contoso.com", "user10@contoso.com", "user1.x@contoso.com", "user11@contoso.com", "user2@contoso.com", "User3@contoso.com"];
        for (const address of addresses) await store.settings.putMailbox(parseMailboxSettings({ address }));
        const seen: string[] = [];
        let continuationToken: string | undefined;
        let pages = 0;
        do {
          const page = await store.settings.listMailboxPage({ limit: 2, ...(continuationToken ? { continuationToken } : {}) });
          seen.push(...page.items.map((mailbox) => mailbox.address));
          continuationToken = page.continuationToken;
          pages += 1;
        } while (continuationToken && pages < 10);
        expect(seen).toHaveLength(addresses.length);
        expect(new Set(seen).size).toBe(addresses.length);
      });
    });
  });
}

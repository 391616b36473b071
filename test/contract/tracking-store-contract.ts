// The behaviour every TrackingStore implementation owes the pipeline. Register it once per
// implementation: describeTrackingStoreContract("name", open).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LookupEntry, TrackingStore } from "../../src/app/ports.js";
import { MAX_DOCUMENT_BYTES, documentBytes } from "../../src/adapters/cosmos/document-size.js";
import type { CrmRecord, MailboxSettings, OrganizationSettings } from "../../src/domain/types.js";
import { buildActivity } from "../support/cosmos.js";

export interface ContractStore {
  store: TrackingStore;
  /** Requests sent to the database: only implementations that talk to one count them. */
  requestCount?(): number;
  resetRequestCount?(): void;
  dispose(): Promise<void>;
}

export interface ContractOptions {
  /**
   * Also hold the implementation to Cosmos DB's request costs (point reads, one request per key
   * written). An in-memory store sends no requests, so it has none to count.
   */
  requestCosts?: boolean;
}

/** The store's request counter; only reached by suites registered with requestCosts. */
function counter(opened: ContractStore): { requestCount(): number; resetRequestCount(): void } {
  const { requestCount, resetRequestCount } = opened;
  if (!requestCount || !resetRequestCount) throw new Error("requestCosts needs a store that counts its requests");
  return { requestCount: () => requestCount.call(opened), resetRequestCount: () => resetRequestCount.call(opened) };
}

/** Each call must return an empty store of its own. */
export type OpenContractStore = () => Promise<ContractStore>;

const unique = (prefix: string) => `${prefix}-${randomUUID()}`;

function entry(overrides: Partial<LookupEntry> & Pick<LookupEntry, "key" | "activityId" | "activityTime">): LookupEntry {
  return { internetMessageId: `${overrides.activityId}@mail.contoso.com`, ...overrides };
}

function record(overrides: Partial<CrmRecord> & Pick<CrmRecord, "type" | "id" | "emailAddresses">): CrmRecord {
  return { name: overrides.id, createdOn: "2024-01-01T00:00:00.000Z", ...overrides };
}

function organization(overrides: Partial<OrganizationSettings> = {}): OrganizationSettings {
  return {
    useCorrelation: true,
    useTrackingTokens: true,
    trackingTokenPrefix: "CRM:",
    trackingTokenPrefixHistory: [],
    trackingTokenBaseNumber: 0,
    trackingTokenUserDigits: 3,
    trackingTokenCounterDigits: 4,
    useSmartMatching: true,
    hashFilterKeywords: "^[\\s]*([\\w]+\\s?:[\\s]*)+",
    hashMaxCount: 20,
    hashDeltaSubjectCount: 0,
    hashMinAddressCount: 2,
    smartMatchingWindowDays: 90,
    useFolderLevelTracking: false,
    trackCategorizedItems: true,
    trackingCategory: "Tracked to Dynamics 365",
    categoryRetryIntervalInMinutes: 30,
    autoTrackSentFolderItems: false,
    trackEmailsBetweenUsersAsTwoActivities: false,
    doNotCorrelateForwardedEmailsAsReplies: false,
    unresolveEmailAddressIfMultipleMatch: false,
    unresolveSenderIfMultipleMatch: false,
    skipAutomatedEmail: true,
    maxBodyBytes: 1_048_576,
    processEmailOnlyForApprovedUsers: false,
    processEmailOnlyForApprovedQueues: true,
    defaultIncomingSyncMethod: "serverSideSync",
    defaultOutgoingSyncMethod: "none",
    defaultIncomingEmailFilter: "all",
    mailboxFailureLimit: 10,
    mailboxFailureIntervalInMinutes: 5,
    recordErrorAlerts: true,
    recordWarningAlerts: true,
    recordInformationAlerts: false,
    notifyMailboxOwnerOfAlerts: true,
    itemLogRetentionInDays: 3,
    ...overrides,
  };
}

function mailbox(address: string, overrides: Partial<MailboxSettings> = {}): MailboxSettings {
  return {
    address,
    kind: "user",
    enabled: true,
    incomingSyncMethod: "serverSideSync",
    outgoingSyncMethod: "serverSideSync",
    incomingEmailFilter: "all",
    trackedFolders: [],
    ...overrides,
  };
}

export function describeTrackingStoreContract(name: string, open: OpenContractStore, options: ContractOptions = {}): void {
  describe(`TrackingStore contract: ${name}`, () => {
    // Most tests share one store and keep to their own ids and keys; tests about the whole
    // store (first numbers, listings, request counts) open a fresh one.
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

    describe("activities", () => {
      it("creates an activity once and reads it back", async () => {
        const activity = buildActivity();
        const result = await shared.store.activities.createActivity(activity);
        expect(result).toEqual({ created: true, activity });
        expect(await shared.store.activities.getActivity(activity.id)).toEqual(activity);
      });

      it("returns the stored activity with created: false on a duplicate create", async () => {
        const first = buildActivity();
        await shared.store.activities.createActivity(first);
        const second = await shared.store.activities.createActivity({ ...first, subject: "A different subject" });
        expect(second).toEqual({ created: false, activity: first });
        expect(await shared.store.activities.getActivity(first.id)).toEqual(first);
      });

      it("creates exactly once when 20 creates of the same id race", async () => {
        const id = unique("race");
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => shared.store.activities.createActivity(buildActivity({ id, subject: `attempt ${i}` }))),
        );
        const winners = results.filter((result) => result.created);
        expect(winners).toHaveLength(1);
        const stored = await shared.store.activities.getActivity(id);
        expect(stored).toEqual(winners[0]?.activity);
        for (const result of results) expect(result.activity).toEqual(stored);
      });

      it("returns undefined for an activity that does not exist", async () => {
        expect(await shared.store.activities.getActivity(unique("missing"))).toBeUndefined();
      });

      it.each(["a/b", "a\\b", "a?b", "a#b", "a~2Fb", "a%2Fb"])("keeps the id %s as given", async (suffix) => {
        const activity = buildActivity({ id: `${unique("id")}-${suffix}` });
        expect((await shared.store.activities.createActivity(activity)).created).toBe(true);
        expect(await shared.store.activities.getActivity(activity.id)).toEqual(activity);
      });

      it("stores a 2.5 MB body truncated and flagged, within Cosmos DB's item limit", async () => {
        const content = "<p>quarterly figures</p>".repeat(Math.ceil((2.5 * 1024 * 1024) / 24));
        const activity = buildActivity({ body: { contentType: "html", content } });
        const result = await shared.store.activities.createActivity(activity);
        const stored = await shared.store.activities.getActivity(activity.id);

        expect(result.created).toBe(true);
        expect(stored).toEqual(result.activity);
        expect(stored?.bodyTruncated).toBe(true);
        expect(stored?.body?.content.length).toBeLessThan(content.length);
        expect(content.startsWith(stored?.body?.content ?? "-")).toBe(true);
        expect(documentBytes(stored)).toBeLessThan(MAX_DOCUMENT_BYTES);
      });
    });

    describe("lookups", () => {
      it("keeps one entry when the same (key, activity) is written twice", async () => {
        const key = unique("mid:");
        const written = entry({ key, activityId: "a1", activityTime: "2025-01-01T00:00:00.000Z" });
        await shared.store.lookups.putEntries([written]);
        await shared.store.lookups.putEntries([written, written]);
        expect(await shared.store.lookups.listSince(key, "2000-01-01T00:00:00.000Z")).toEqual([written]);
      });

      it("rewrites an entry with the latest values", async () => {
        const key = unique("tok:");
        await shared.store.lookups.putEntries([entry({ key, activityId: "a1", activityTime: "2025-01-01T00:00:00.000Z" })]);
        const rewritten = entry({ key, activityId: "a1", activityTime: "2025-01-02T00:00:00.000Z", regarding: { type: "account", id: "acc1" }, subject: "Quote Q-1042" });
        await shared.store.lookups.putEntries([rewritten]);
        expect(await shared.store.lookups.findLatest(key)).toEqual(rewritten);
      });

      it.each([
        { case: "written in order", times: ["2025-01-01", "2025-02-01", "2025-03-01"], latest: 2 },
        { case: "written newest first", times: ["2025-03-01", "2025-02-01", "2025-01-01"], latest: 0 },
        { case: "newest in the middle", times: ["2025-01-01", "2025-06-01", "2025-03-01"], latest: 1 },
        { case: "only one", times: ["2025-01-01"], latest: 0 },
      ])("findLatest returns the most recent activityTime ($case)", async ({ times, latest }) => {
        const key = unique("cix:");
        const entries = times.map((time, i) => entry({ key, activityId: `a${i}`, activityTime: `${time}T00:00:00.000Z` }));
        await shared.store.lookups.putEntries(entries);
        expect(await shared.store.lookups.findLatest(key)).toEqual(entries[latest]);
      });

      it("findLatest returns undefined for a key without entries", async () => {
        expect(await shared.store.lookups.findLatest(unique("mid:"))).toBeUndefined();
      });

      it.each([
        { case: "before every entry", since: "2024-12-31T00:00:00.000Z", expected: ["a3", "a2", "a1"] },
        { case: "equal to an entry (inclusive)", since: "2025-02-01T00:00:00.000Z", expected: ["a3", "a2"] },
        { case: "between entries", since: "2025-02-15T00:00:00.000Z", expected: ["a3"] },
        { case: "after every entry", since: "2025-04-01T00:00:00.000Z", expected: [] },
      ])("listSince returns entries at or after since, newest first ($case)", async ({ since, expected }) => {
        const key = unique("addr:");
        await shared.store.lookups.putEntries([
          entry({ key, activityId: "a2", activityTime: "2025-02-01T00:00:00.000Z", subjectHashes: ["s2"], addressHashes: ["h2"] }),
          entry({ key, activityId: "a1", activityTime: "2025-01-01T00:00:00.000Z", subjectHashes: ["s1"], addressHashes: ["h1"] }),
          entry({ key, activityId: "a3", activityTime: "2025-03-01T00:00:00.000Z", subjectHashes: ["s3"], addressHashes: ["h3"] }),
        ]);
        const listed = await shared.store.lookups.listSince(key, since);
        expect(listed.map((found) => found.activityId)).toEqual(expected);
        for (const found of listed) {
          const n = found.activityId.slice(1);
          expect(found).toEqual(entry({ key, activityId: found.activityId, activityTime: found.activityTime, subjectHashes: [`s${n}`], addressHashes: [`h${n}`] }));
        }
      });

      it("never returns entries of another key", async () => {
        const [mine, other] = [unique("mid:"), unique("mid:")];
        await shared.store.lookups.putEntries([
          entry({ key: other, activityId: "shared-activity", activityTime: "2025-05-01T00:00:00.000Z" }),
          entry({ key: mine, activityId: "shared-activity", activityTime: "2025-01-01T00:00:00.000Z" }),
          entry({ key: other, activityId: "newer", activityTime: "2025-06-01T00:00:00.000Z" }),
        ]);
        expect(await shared.store.lookups.findLatest(mine)).toEqual(
          entry({ key: mine, activityId: "shared-activity", activityTime: "2025-01-01T00:00:00.000Z" }),
        );
        expect((await shared.store.lookups.listSince(mine, "2000-01-01T00:00:00.000Z")).map((found) => found.key)).toEqual([mine]);
        expect(await shared.store.lookups.listSince(other, "2000-01-01T00:00:00.000Z")).toHaveLength(2);
      });

      it("findLatest breaks a tie in activityTime by the higher activityId", async () => {
        const key = unique("cix:");
        const entries = ["a2", "a3", "a1"].map((activityId) => entry({ key, activityId, activityTime: "2025-01-01T00:00:00.000Z" }));
        await shared.store.lookups.putEntries(entries);
        expect(await shared.store.lookups.findLatest(key)).toEqual(entries[1]);
      });

      it.each([
        { case: "a new key", prefix: "addr:", seeded: false },
        { case: "an existing key", prefix: "addr:", seeded: true },
        { case: "a new Message-ID key (created first)", prefix: "mid:", seeded: false },
        { case: "an existing Message-ID key", prefix: "mid:", seeded: true },
      ])("keeps every entry when 30 putEntries for $case race", async ({ prefix, seeded }) => {
        const key = unique(prefix);
        if (seeded) await shared.store.lookups.putEntries([entry({ key, activityId: "seed", activityTime: "2024-01-01T00:00:00.000Z" })]);
        const written = Array.from({ length: 30 }, (_, i) =>
          entry({ key, activityId: `a${String(i).padStart(2, "0")}`, activityTime: `2025-01-01T00:${String(i).padStart(2, "0")}:00.000Z` }),
        );
        await Promise.all(written.map((one) => shared.store.lookups.putEntries([one])));
        expect(await shared.store.lookups.listSince(key, "2025-01-01T00:00:00.000Z")).toEqual([...written].reverse());
        expect(await shared.store.lookups.findLatest(key)).toEqual(written[29]);
      });

      it("keeps the 100 most recent of 150 entries for one key, written out of order", async () => {
        const key = unique("addr:");
        const minute = (i: number) => new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString();
        const entries = Array.from({ length: 150 }, (_, i) => entry({ key, activityId: `a${String(i).padStart(3, "0")}`, activityTime: minute(i), subjectHashes: [`s${i}`] }));
        // 37 is coprime with 150: every entry once, in scrambled time order.
        const scrambled = entries.map((_, i) => entries[(i * 37) % 150] as LookupEntry);
        await shared.store.lookups.putEntries(scrambled.slice(0, 75));
        await shared.store.lookups.putEntries(scrambled.slice(75));

        const newestFirst = [...entries].reverse();
        expect(await shared.store.lookups.findLatest(key)).toEqual(entries[149]);
        expect(await shared.store.lookups.listSince(key, "2000-01-01T00:00:00.000Z")).toEqual(newestFirst.slice(0, 100));
        expect(await shared.store.lookups.listSince(key, minute(120))).toEqual(newestFirst.slice(0, 30));

        // An entry older than the 100 kept falls out at once; a newer one pushes out the oldest.
        const older = entry({ key, activityId: "older", activityTime: "2024-12-31T00:00:00.000Z" });
        const newer = entry({ key, activityId: "newer", activityTime: "2025-02-01T00:00:00.000Z" });
        await shared.store.lookups.putEntries([older, newer]);
        expect(await shared.store.lookups.listSince(key, "2000-01-01T00:00:00.000Z")).toEqual([newer, ...newestFirst.slice(0, 99)]);
      });

      // Keys nearly always new (Message-IDs, and keys the caller found empty) are created together
      // in one bulk request; these hold it to what separate writes did.
      it.each([
        { case: "two new keys", existing: [] as number[], entriesPerKey: 1, keys: 2 },
        { case: "one of two exists already", existing: [1], entriesPerKey: 1, keys: 2 },
        { case: "both exist already", existing: [0, 1], entriesPerKey: 1, keys: 2 },
        { case: "more entries per key than one patch takes (10)", existing: [0], entriesPerKey: 13, keys: 3 },
        { case: "more keys than one bulk takes (100)", existing: [7, 150], entriesPerKey: 1, keys: 160 },
      ])("keeps every entry of keys created together ($case)", async ({ existing, entriesPerKey, keys }) => {
        const keyNames = Array.from({ length: keys }, (_, k) => unique(k % 2 === 0 ? "mid:" : "cix:"));
        for (const k of existing) await shared.store.lookups.putEntries([entry({ key: keyNames[k] as string, activityId: "seed", activityTime: "2024-01-01T00:00:00.000Z" })]);
        const written = keyNames.flatMap((key) =>
          Array.from({ length: entriesPerKey }, (_, i) => entry({ key, activityId: `a${String(i).padStart(2, "0")}`, activityTime: `2025-01-01T00:${String(i).padStart(2, "0")}:00.000Z` })),
        );
        // The cix: keys count as found empty by the caller (a new thread's), as the tracker says.
        await shared.store.lookups.putEntries(written, { absentKeys: new Set(keyNames.filter((key) => key.startsWith("cix:"))) });
        for (const [k, key] of keyNames.entries()) {
          const mine = written.filter((one) => one.key === key).reverse();
          const seed = existing.includes(k) ? [entry({ key, activityId: "seed", activityTime: "2024-01-01T00:00:00.000Z" })] : [];
          expect([key, await shared.store.lookups.listSince(key, "2000-01-01T00:00:00.000Z")]).toEqual([key, [...mine, ...seed]]);
        }
      });

      it("lists one entry per activity after duplicate and concurrent rewrites", async () => {
        const key = unique("addr:");
        const written = ["a1", "a2", "a3", "a4", "a5"].map((activityId, i) => entry({ key, activityId, activityTime: `2025-01-0${i + 1}T00:00:00.000Z` }));
        await shared.store.lookups.putEntries(written);
        await Promise.all([
          shared.store.lookups.putEntries([...written, ...written]),
          ...written.map((one) => shared.store.lookups.putEntries([one, one])),
        ]);
        await shared.store.lookups.putEntries(written.slice(0, 2));
        expect(await shared.store.lookups.listSince(key, "2000-01-01T00:00:00.000Z")).toEqual([...written].reverse());
        expect(await shared.store.lookups.findLatest(key)).toEqual(written[4]);
      });
    });

    describe("records", () => {
      it.each([
        { case: "as stored", query: (address: string) => address },
        { case: "lower case", query: (address: string) => address.toLowerCase() },
        { case: "upper case", query: (address: string) => address.toUpperCase() },
        { case: "with spaces around", query: (address: string) => `  ${address} ` },
      ])("finds a record's address rows case-insensitively ($case)", async ({ query }) => {
        const id = unique("c");
        const address = `Ann@${id}.Example`;
        await shared.store.records.upsertRecords([record({ type: "contact", id, name: "Ann", emailAddresses: [address], ownerId: "u1" })]);
        expect(await shared.store.records.findByAddress(query(address))).toEqual([
          { type: "contact", id, address: address.toLowerCase(), name: "Ann", active: true, createdOn: "2024-01-01T00:00:00.000Z", ownerId: "u1" },
        ]);
      });

      it("returns every record with the address, inactive ones included", async () => {
        const address = `${unique("shared")}@contoso.com`;
        await shared.store.records.upsertRecords([
          record({ type: "contact", id: "c1", emailAddresses: [address], createdOn: "2024-02-01T00:00:00.000Z" }),
          record({ type: "account", id: "a1", emailAddresses: [address.toUpperCase()] }),
          record({ type: "lead", id: "l1", emailAddresses: [address], active: false }),
        ]);
        const found = await shared.store.records.findByAddress(address);
        expect(found.map(({ type, id, active }) => ({ type, id, active }))).toEqual([
          { type: "contact", id: "c1", active: true },
          { type: "account", id: "a1", active: true },
          { type: "lead", id: "l1", active: false },
        ]);
      });

      it("removes the rows of addresses a record no longer has, and only those", async () => {
        const [old, kept, added] = ["old", "kept", "added"].map((label) => `${unique(label)}@contoso.com`) as [string, string, string];
        await shared.store.records.upsertRecords([
          record({ type: "contact", id: "c1", emailAddresses: [old, kept] }),
          record({ type: "account", id: "a1", emailAddresses: [old] }),
        ]);
        await shared.store.records.upsertRecords([record({ type: "contact", id: "c1", emailAddresses: [kept, added], name: "Renamed" })]);

        expect((await shared.store.records.findByAddress(old)).map((found) => `${found.type}:${found.id}`)).toEqual(["account:a1"]);
        expect((await shared.store.records.findByAddress(kept)).map((found) => found.name)).toEqual(["Renamed"]);
        expect((await shared.store.records.findByAddress(added)).map((found) => `${found.type}:${found.id}`)).toEqual(["contact:c1"]);
      });

      it("keeps every record's row when records sharing an address are written concurrently", async () => {
        const address = `${unique("busy")}@contoso.com`;
        const ids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, "0")}`);
        await Promise.all(ids.map((id) => shared.store.records.upsertRecords([record({ type: "contact", id, emailAddresses: [address] })])));
        expect((await shared.store.records.findByAddress(address)).map((found) => found.id)).toEqual(ids);
      });

      it("returns no rows for an unknown or empty address", async () => {
        expect(await shared.store.records.findByAddress(`${unique("nobody")}@contoso.com`)).toEqual([]);
        expect(await shared.store.records.findByAddress("  ")).toEqual([]);
      });
    });

    describe("settings", () => {
      it("round-trips the organization settings", async () => {
        await withFreshStore(async ({ store }) => {
          expect(await store.settings.getOrganization()).toBeUndefined();
          await store.settings.putOrganization(organization());
          await store.settings.putOrganization(organization({ trackingTokenPrefix: "TKN:", trackingTokenPrefixHistory: ["CRM:"] }));
          expect(await store.settings.getOrganization()).toEqual(organization({ trackingTokenPrefix: "TKN:", trackingTokenPrefixHistory: ["CRM:"] }));
        });
      });

      it("round-trips a mailbox under its lower-cased address", async () => {
        const address = `${unique("Sales")}@Contoso.com`;
        const settings = mailbox(address, {
          kind: "queue",
          incomingEmailFilter: "responsesToTrackedEmail",
          trackedFolders: [{ folder: "Customers/Contoso", regarding: { type: "account", id: "acc1" } }],
          processEmailReceivedAfter: "2025-01-01T00:00:00.000Z",
        });
        await shared.store.settings.putMailbox(settings);
        const expected = { ...settings, address: address.toLowerCase() };
        expect(await shared.store.settings.getMailbox(address)).toEqual(expected);
        expect(await shared.store.settings.getMailbox(address.toUpperCase())).toEqual(expected);
        expect(await shared.store.settings.getMailbox(`${unique("other")}@contoso.com`)).toBeUndefined();
      });

      it("lists every mailbox, and nothing else, by address", async () => {
        await withFreshStore(async ({ store }) => {
          expect(await store.settings.listMailboxes()).toEqual([]);
          await store.settings.putOrganization(organization());
          for (const address of ["zed@contoso.com", "Amy@contoso.com", "sales#eu@contoso.com"]) await store.settings.putMailbox(mailbox(address));
          await store.settings.putMailbox(mailbox("zed@contoso.com", { enabled: false }));
          expect(await store.settings.listMailboxes()).toEqual([
            mailbox("amy@contoso.com"),
            mailbox("sales#eu@contoso.com"),
            mailbox("zed@contoso.com", { enabled: false }),
          ]);
        });
      });
    });

    describe("token counters", () => {
      it("numbers users 1, 2, 3 in order of first use and keeps each number", async () => {
        await withFreshStore(async ({ store }) => {
          const numbers = [];
          for (const user of ["u-a", "u-b", "u-a", "u-c", "u-b"]) numbers.push(await store.counters.getUserNumber(user));
          expect(numbers).toEqual([1, 2, 1, 3, 2]);
        });
      });

      it("gives one number to a user asked for concurrently", async () => {
        const user = unique("user");
        const numbers = await Promise.all(Array.from({ length: 10 }, () => shared.store.counters.getUserNumber(user)));
        expect(new Set(numbers).size).toBe(1);
        expect(await shared.store.counters.getUserNumber(user)).toBe(numbers[0]);
      });

      it("gives distinct numbers to users asked for concurrently", async () => {
        const users = Array.from({ length: 10 }, () => unique("user"));
        const numbers = await Promise.all(users.map((user) => shared.store.counters.getUserNumber(user)));
        expect(new Set(numbers).size).toBe(users.length);
      });

      it("returns 50 distinct consecutive values to 50 concurrent nextCounter calls", async () => {
        await withFreshStore(async ({ store }) => {
          const values = await Promise.all(Array.from({ length: 50 }, () => store.counters.nextCounter(7)));
          expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
          expect(await store.counters.nextCounter(8)).toBe(1);
          expect(await store.counters.nextCounter(7)).toBe(51);
        });
      });

      it.each([0, -1, 1.5])("rejects user number %s", async (userNumber) => {
        await expect(shared.store.counters.nextCounter(userNumber)).rejects.toThrow(RangeError);
      });
    });

    // Cosmos DB's request costs; an in-memory store sends no requests to count.
    if (options.requestCosts) describe("request counting and partition-local reads", () => {
      it("finds an address in one request, whether it has rows or not", async () => {
        const { requestCount, resetRequestCount } = counter(shared);
        const address = `${unique("one")}@contoso.com`;
        await shared.store.records.upsertRecords([record({ type: "contact", id: "c1", emailAddresses: [address] })]);
        for (const query of [address, `${unique("nobody")}@contoso.com`]) {
          await shared.store.records.findByAddress(`${unique("warm")}@contoso.com`);
          resetRequestCount();
          await shared.store.records.findByAddress(query);
          expect(requestCount()).toBe(1);
        }
      });

      it("counts the requests each operation sends", async () => {
        counter(shared).resetRequestCount();
        expect(counter(shared).requestCount()).toBe(0);
        await shared.store.activities.getActivity(unique("missing"));
        const afterRead = counter(shared).requestCount();
        expect(afterRead).toBeGreaterThan(0);
        await shared.store.lookups.findLatest(unique("mid:"));
        expect(counter(shared).requestCount()).toBeGreaterThan(afterRead);
      });

      it("reads lookups and addresses with the same number of requests however many other partitions exist", async () => {
        await withFreshStore(async (opened) => {
          const { store } = opened;
          const key = "mid:target@mail.contoso.com";
          const address = "target@contoso.com";
          await store.lookups.putEntries([entry({ key, activityId: "t1", activityTime: "2025-01-01T00:00:00.000Z" })]);
          await store.records.upsertRecords([record({ type: "contact", id: "t1", emailAddresses: [address] })]);

          const measure = async () => {
            const counts: number[] = [];
            for (const read of [
              () => store.lookups.findLatest(key),
              () => store.lookups.listSince(key, "2000-01-01T00:00:00.000Z"),
              () => store.records.findByAddress(address),
              () => store.activities.getActivity("t1"),
            ]) {
              await read(); // warm any metadata cache first
              counter(opened).resetRequestCount();
              await read();
              counts.push(counter(opened).requestCount());
            }
            return counts;
          };

          const before = await measure();
          const unrelated = Array.from({ length: 500 }, (_, i) => i);
          for (let start = 0; start < unrelated.length; start += 50) {
            await Promise.all(unrelated.slice(start, start + 50).map((i) => store.activities.createActivity(buildActivity({ id: `other-${i}` }))));
          }
          await store.lookups.putEntries(unrelated.map((i) => entry({ key: `mid:other-${i}@mail.contoso.com`, activityId: `other-${i}`, activityTime: "2025-02-01T00:00:00.000Z" })));
          await store.records.upsertRecords(unrelated.map((i) => record({ type: "contact", id: `other-${i}`, emailAddresses: [`other-${i}@contoso.com`] })));
          const after = await measure();

          // Each a point read: findLatest and listSince read the key's document, findByAddress the
          // address document, getActivity the activity (a query would add a query-plan request).
          expect(before).toEqual([1, 1, 1, 1]);
          expect(after).toEqual(before);
        });
      });

      it.each([
        { case: "one entry for each of three existing keys", entries: [["k1", "n1"], ["k2", "n2"], ["k3", "n3"]], expected: 3 },
        { case: "three entries for one existing key", entries: [["k1", "n1"], ["k1", "n2"], ["k1", "n3"]], expected: 1 },
        { case: "two keys, one with two entries", entries: [["k1", "n1"], ["k2", "n2"], ["k1", "n3"]], expected: 2 },
        { case: "the first entry for a new key (patch 404, create)", entries: [["new", "n1"]], expected: 2 },
        { case: "an entry written again (one patch; the duplicate is dropped by readers and by compaction later)", entries: [["k1", "seed-k1"]], expected: 1 },
        { case: "nothing", entries: [], expected: 0 },
        // Message-ID keys are nearly always new: created first, no patch 404.
        { case: "the first entry for a new Message-ID key (create)", entries: [["mid:new", "n1"]], expected: 1 },
        { case: "an entry for an existing Message-ID key (create 409, patch)", entries: [["mid:k1", "n1"]], expected: 2 },
      ])("writes lookups with one request per key in the steady state: $case", async ({ entries, expected }) => {
        const prefix = unique("tok:");
        const keyFor = (name: string) => (name.startsWith("mid:") ? `mid:${prefix}${name.slice(4)}` : `${prefix}${name}`);
        const seedTime = "2025-01-01T00:00:00.000Z";
        await shared.store.lookups.putEntries(["k1", "k2", "k3", "mid:k1"].map((key) => entry({ key: keyFor(key), activityId: `seed-${key}`, activityTime: seedTime })));
        counter(shared).resetRequestCount();
        await shared.store.lookups.putEntries(entries.map(([key, activityId]) => entry({ key: keyFor(key as string), activityId: activityId as string, activityTime: seedTime })));
        expect(counter(shared).requestCount()).toBe(expected);
      });
    });
  });
}

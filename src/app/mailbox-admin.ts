// Mailboxes as an administrator manages them (Dynamics' mailbox records): create with the
// organization's defaults, update personal options against a version, approve or reject the
// address, Test & Enable (read Inbox and Sent Items, record the result, then subscribe and catch
// up), disable and delete. A mailbox whose test failed is saved disabled, so it never shows enabled.
import { heldForApproval } from "../domain/filtering.js";
import { defaultOrganizationSettings, parseMailboxSettings, parseOrganizationSettings } from "../domain/settings.js";
import type { ApprovalStatus, MailboxSettings } from "../domain/types.js";
import { GraphFailure } from "./errors.js";
import { sameVersion } from "./organization.js";
import type { MailboxStatus, MailboxTestResult, MailFolderName, MailGateway, Page, TrackingStore } from "./ports.js";
import type { SubscriptionManager, SubscriptionReport } from "./subscriptions.js";

export interface MailboxView {
  mailbox: MailboxSettings;
  status: MailboxStatus;
  etag: string;
}

/** What an administrator may set; approval and enabling have their own commands. */
export type MailboxChanges = Partial<Omit<MailboxSettings, "enabled" | "approvalStatus">>;

export type MailboxOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "notFound" | "exists" | "versionMismatch" }
  | { ok: false; reason: "notApproved"; detail: string };

export interface TestAndEnableResult {
  view: MailboxView;
  enabled: boolean;
  subscriptions?: SubscriptionReport;
}

export interface MailboxAdmin {
  create(input: MailboxChanges & { address: string }): Promise<MailboxOutcome<MailboxView>>;
  get(address: string): Promise<MailboxView | undefined>;
  list(options: { limit: number; continuationToken?: string; enabled?: boolean; approvalStatus?: ApprovalStatus }): Promise<Page<MailboxSettings>>;
  update(address: string, changes: MailboxChanges, options: { ifMatch: string }): Promise<MailboxOutcome<MailboxView>>;
  remove(address: string): Promise<MailboxOutcome<void>>;
  decideApproval(address: string, decision: "approved" | "rejected"): Promise<MailboxOutcome<MailboxView>>;
  testAndEnable(address: string): Promise<MailboxOutcome<TestAndEnableResult>>;
  disable(address: string): Promise<MailboxOutcome<MailboxView>>;
}

const NOT_RUN: MailboxStatus = { incoming: { status: "notRun" }, outgoing: { status: "notRun" } };
const SAVE_ATTEMPTS = 3;

export function createMailboxAdministration(deps: {
  store: TrackingStore;
  gateway: Pick<MailGateway, "getFolderId">;
  subscriptions: Pick<SubscriptionManager, "reconcile" | "requestCatchUpForMailbox">;
  clock: () => Date;
  /** Called after a change, so this process's tracker reads the mailbox again at once. */
  onChange?: () => void;
  /** Told every Test & Enable result: a pass clears the error policy's count (src/app/error-policy.ts). */
  onTestAndEnable?: (address: string, result: { passed: boolean; reason?: string }) => Promise<void>;
}): MailboxAdmin {
  const settings = deps.store.settings;
  const changed = () => deps.onChange?.();

  async function organization() {
    const stored = await settings.getOrganization();
    return stored ? parseOrganizationSettings(stored) : defaultOrganizationSettings();
  }

  async function get(address: string): Promise<MailboxView | undefined> {
    const stored = await settings.getMailboxVersion(address);
    if (!stored) return undefined;
    return { mailbox: stored.value, status: (await settings.getMailboxStatus(address)) ?? NOT_RUN, etag: stored.etag };
  }

  /** Read, change, save against the version read; retried when someone saved in between. */
  async function modify(address: string, change: (mailbox: MailboxSettings) => MailboxSettings): Promise<MailboxOutcome<MailboxView>> {
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const current = await settings.getMailboxVersion(address);
      if (!current) return { ok: false, reason: "notFound" };
      const saved = await settings.saveMailbox(change(current.value), { ifMatch: current.etag });
      if (saved.saved) {
        changed();
        return { ok: true, value: (await get(address)) as MailboxView };
      }
    }
    return { ok: false, reason: "versionMismatch" };
  }

  async function create(input: MailboxChanges & { address: string }): Promise<MailboxOutcome<MailboxView>> {
    const defaults = await organization();
    // The organization's default methods and filter apply to mailboxes created from now on (seed 001).
    const mailbox = parseMailboxSettings({
      incomingSyncMethod: defaults.defaultIncomingSyncMethod,
      outgoingSyncMethod: defaults.defaultOutgoingSyncMethod,
      incomingEmailFilter: defaults.defaultIncomingEmailFilter,
      ...input,
      enabled: false,
      approvalStatus: "pendingApproval",
    });
    const saved = await settings.saveMailbox(mailbox, { ifMatch: undefined });
    if (!saved.saved) return { ok: false, reason: "exists" };
    await settings.putMailboxStatus(mailbox.address, NOT_RUN);
    return { ok: true, value: { mailbox, status: NOT_RUN, etag: saved.etag } };
  }

  async function update(address: string, changes: MailboxChanges, options: { ifMatch: string }): Promise<MailboxOutcome<MailboxView>> {
    const current = await settings.getMailboxVersion(address);
    if (!current) return { ok: false, reason: "notFound" };
    if (!sameVersion(current.etag, options.ifMatch)) return { ok: false, reason: "versionMismatch" };
    const next = parseMailboxSettings({ ...current.value, ...changes });
    if (next.address === current.value.address) {
      const saved = await settings.saveMailbox(next, { ifMatch: current.etag });
      if (!saved.saved) return { ok: false, reason: "versionMismatch" };
      changed();
      // Methods or the start date may change which folders are watched.
      if (current.value.enabled) await deps.subscriptions.reconcile(next.address);
      return { ok: true, value: { mailbox: next, status: (await settings.getMailboxStatus(next.address)) ?? NOT_RUN, etag: saved.etag } };
    }
    // A new address is a new mailbox to approve and test again; the old one stops first.
    const moved: MailboxSettings = { ...next, enabled: false, approvalStatus: "pendingApproval" };
    const created = await settings.saveMailbox(moved, { ifMatch: undefined });
    if (!created.saved) return { ok: false, reason: "exists" };
    await settings.putMailboxStatus(moved.address, NOT_RUN);
    await stopAndDelete(current.value);
    changed();
    return { ok: true, value: { mailbox: moved, status: NOT_RUN, etag: created.etag } };
  }

  async function stopAndDelete(mailbox: MailboxSettings): Promise<void> {
    if (mailbox.enabled) {
      await settings.putMailbox({ ...mailbox, enabled: false });
      await deps.subscriptions.reconcile(mailbox.address);
    }
    await settings.deleteMailbox(mailbox.address);
  }

  async function remove(address: string): Promise<MailboxOutcome<void>> {
    const current = await settings.getMailbox(address);
    if (!current) return { ok: false, reason: "notFound" };
    await stopAndDelete(current);
    changed();
    return { ok: true, value: undefined };
  }

  async function probe(mailbox: string, folder: MailFolderName): Promise<MailboxTestResult> {
    const at = deps.clock().toISOString();
    try {
      await deps.gateway.getFolderId(mailbox, folder);
      return { status: "success", at };
    } catch (error) {
      if (!(error instanceof GraphFailure)) throw error;
      return { status: "failure", at, reason: describeFailure(error, folder) };
    }
  }

  async function testAndEnable(address: string): Promise<MailboxOutcome<TestAndEnableResult>> {
    const current = await settings.getMailbox(address);
    if (!current) return { ok: false, reason: "notFound" };
    if (heldForApproval(current, await organization())) {
      return {
        ok: false,
        reason: "notApproved",
        detail: `the mailbox ${current.address} requires approval of its email address before it can be tested and enabled (its approval status is ${current.approvalStatus ?? "empty"}); a Tracking.Approve holder approves it`,
      };
    }
    // Reading only: the folder ids of Inbox and Sent Items; nothing is sent.
    const at = deps.clock().toISOString();
    const incoming: MailboxTestResult =
      current.incomingSyncMethod === "serverSideSync" ? await probe(current.address, "inbox") : { status: "notRun", at, reason: "incoming synchronization method is none" };
    const outgoing: MailboxTestResult =
      current.outgoingSyncMethod === "serverSideSync" ? await probe(current.address, "sentitems") : { status: "notRun", at, reason: "outgoing synchronization method is none" };
    const status: MailboxStatus = { incoming, outgoing };
    await settings.putMailboxStatus(current.address, status);
    const passed = incoming.status !== "failure" && outgoing.status !== "failure" && (incoming.status === "success" || outgoing.status === "success");
    const saved = await modify(current.address, (mailbox) => ({
      ...mailbox,
      enabled: passed,
      // As Dynamics' Test & Enable: mail from before now is not processed unless a start date says so.
      ...(passed ? { processEmailReceivedAfter: mailbox.processEmailReceivedAfter ?? deps.clock().toISOString() } : {}),
    }));
    if (!saved.ok) return saved;
    const reason = [incoming, outgoing].find((result) => result.status === "failure")?.reason;
    await deps.onTestAndEnable?.(current.address, { passed, ...(reason ? { reason } : {}) });
    const subscriptions = await deps.subscriptions.reconcile(current.address);
    if (passed) await deps.subscriptions.requestCatchUpForMailbox(current.address, "mailbox tested and enabled");
    return { ok: true, value: { view: saved.value, enabled: passed, subscriptions } };
  }

  async function disable(address: string): Promise<MailboxOutcome<MailboxView>> {
    const outcome = await modify(address, (mailbox) => ({ ...mailbox, enabled: false }));
    if (outcome.ok) await deps.subscriptions.reconcile(outcome.value.mailbox.address);
    return outcome;
  }

  return {
    create,
    get,
    list: (options) => settings.listMailboxPage(options),
    update,
    remove,
    decideApproval: (address, decision) => modify(address, (mailbox) => ({ ...mailbox, approvalStatus: decision })),
    testAndEnable,
    disable,
  };
}

/** Why a folder could not be read, in the words an admin acts on. */
export function describeFailure(error: GraphFailure, folder: MailFolderName): string {
  const name = folder === "inbox" ? "Inbox" : "Sent Items";
  switch (error.code) {
    case "unauthenticated":
      return `the app's credentials were refused while reading ${name}: check GRAPH_CLIENT_ID and its secret or certificate (${error.message})`;
    case "permission":
      return `access to ${name} was denied: grant the app Mail.ReadWrite (and Mail.Send) and check any application access policy (${error.message})`;
    case "notFound":
      return `no mailbox or ${name} at Graph for this address (${error.message})`;
    case "throttled":
    case "temporary":
      return `Graph was temporarily unavailable while reading ${name}; try again (${error.message})`;
    default:
      return `${name} could not be read: ${error.message}`;
  }
}

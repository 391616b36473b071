// Ports of the settings store: organization and mailbox settings, Test & Enable status.
import type { MailboxSettings, OrganizationSettings } from "../../domain/types.js";
import type { Page, SaveResult, Versioned } from "./common.js";

/** Test & Enable's result for one direction (Dynamics' Incoming / Outgoing Email Status). */
export interface MailboxTestResult {
  status: "notRun" | "success" | "failure";
  at?: string;
  reason?: string;
}

export interface MailboxStatus {
  incoming: MailboxTestResult;
  outgoing: MailboxTestResult;
}

export interface SettingsStore {
  getOrganization(): Promise<OrganizationSettings | undefined>;
  putOrganization(settings: OrganizationSettings): Promise<void>;
  getMailbox(address: string): Promise<MailboxSettings | undefined>;
  putMailbox(settings: MailboxSettings): Promise<void>;
  listMailboxes(): Promise<MailboxSettings[]>;
  getOrganizationVersion(): Promise<Versioned<OrganizationSettings> | undefined>;
  saveOrganization(settings: OrganizationSettings, options: { ifMatch: string | undefined }): Promise<SaveResult>;
  getMailboxVersion(address: string): Promise<Versioned<MailboxSettings> | undefined>;
  saveMailbox(settings: MailboxSettings, options: { ifMatch: string | undefined }): Promise<SaveResult>;
  /** Deletes the mailbox and its status; false when there was none. */
  deleteMailbox(address: string): Promise<boolean>;
  /** A page of mailboxes (cross-partition: there is no partition to name), optionally by state. */
  listMailboxPage(options: { limit: number; continuationToken?: string; enabled?: boolean; approvalStatus?: string }): Promise<Page<MailboxSettings>>;
  getMailboxStatus(address: string): Promise<MailboxStatus | undefined>;
  putMailboxStatus(address: string, status: MailboxStatus): Promise<void>;
}

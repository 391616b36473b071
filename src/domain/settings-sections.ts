// How the organization settings are grouped on the admin center's settings page: the sections of
// Dynamics' "Email tracking" settings page (seed 002), then the settings Dynamics keeps elsewhere.
// The settings themselves (descriptions, defaults, ranges) are in settings.ts; this file only
// places each key, and test/unit/settings-sections.test.ts checks that every key is placed once.
// It imports types only, so the page's build compiles it too.
import type { OrganizationSettings } from "./types.js";

export interface SettingSection {
  id: string;
  title: string;
  /** One line under the heading. */
  summary: string;
  keys: ReadonlyArray<keyof OrganizationSettings>;
}

export const ORGANIZATION_SETTING_SECTIONS: readonly SettingSection[] = [
  {
    id: "conversations",
    title: "Tracking email conversations",
    summary: "How a new email is linked to the conversation it belongs to.",
    keys: ["useCorrelation", "useTrackingTokens"],
  },
  {
    id: "tracking-token",
    title: "Tracking token",
    summary: "The token added to the subject of tracked email; the preview shows what it looks like.",
    keys: ["trackingTokenPrefix", "trackingTokenBaseNumber", "trackingTokenUserDigits", "trackingTokenCounterDigits", "trackingTokenPrefixHistory"],
  },
  {
    id: "smart-matching",
    title: "Smart matching",
    summary: "Correlation by similar subject and recipients, when nothing more exact applies.",
    keys: ["useSmartMatching", "hashFilterKeywords", "hashMaxCount", "hashDeltaSubjectCount", "hashMinAddressCount", "smartMatchingWindowDays"],
  },
  {
    id: "folder-level",
    title: "Folder-level tracking",
    summary: "Email moved into a tracked Exchange folder is tracked, regarding the folder's record.",
    keys: ["useFolderLevelTracking"],
  },
  {
    id: "tracking-items",
    title: "Tracking items",
    summary: "Tracking by Outlook category, and of email sent from Outlook.",
    keys: ["trackCategorizedItems", "trackingCategory", "categoryRetryIntervalInMinutes", "autoTrackSentFolderItems"],
  },
  {
    id: "between-people",
    title: "Tracking between people",
    summary: "Email between two users of the organization.",
    keys: ["trackEmailsBetweenUsersAsTwoActivities"],
  },
  {
    id: "mailboxes",
    title: "Mailboxes",
    summary: "Approval of mailbox addresses, synchronization defaults for new mailboxes, and when failures disable a mailbox (Dynamics' server-side synchronization settings).",
    keys: ["processEmailOnlyForApprovedUsers", "processEmailOnlyForApprovedQueues", "defaultIncomingSyncMethod", "defaultOutgoingSyncMethod", "defaultIncomingEmailFilter", "mailboxFailureLimit", "mailboxFailureIntervalInMinutes"],
  },
  {
    id: "monitoring",
    title: "Alerts and monitoring",
    summary: "Which mailbox alerts are recorded, whether mailbox owners are notified, and how long the item-level log is kept.",
    keys: ["recordErrorAlerts", "recordWarningAlerts", "recordInformationAlerts", "notifyMailboxOwnerOfAlerts", "itemLogRetentionInDays"],
  },
  {
    id: "processing",
    title: "Email processing",
    summary: "Forwarded mail, ambiguous addresses, automated mail and size limits.",
    keys: ["doNotCorrelateForwardedEmailsAsReplies", "unresolveEmailAddressIfMultipleMatch", "unresolveSenderIfMultipleMatch", "skipAutomatedEmail", "maxBodyBytes"],
  },
];

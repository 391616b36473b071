// The admin API's app roles: the one list the routes, the OpenAPI document, the docs and the
// Graph simulator's tokens use. They are defined on the API's app registration in Entra ID
// (docs/deploy.md) and arrive in the access token's `roles` claim.

export const APP_ROLES = {
  /** Reads everything: settings, mailboxes, records, activities. */
  read: "Tracking.Read",
  /** Changes settings, mailboxes and records (Dynamics' System Administrator / System Customizer). */
  admin: "Tracking.Admin",
  /** Approves and rejects mailboxes (Dynamics' "Approve Email Addresses for Users or Queues"). */
  approve: "Tracking.Approve",
} as const;

export type AppRole = (typeof APP_ROLES)[keyof typeof APP_ROLES];

export const ALL_APP_ROLES: readonly AppRole[] = Object.values(APP_ROLES);

export const APP_ROLE_DESCRIPTIONS: Record<AppRole, string> = {
  "Tracking.Read": "Read everything: organization settings, mailboxes, CRM records and activities.",
  "Tracking.Admin": "Change organization settings, mailboxes and CRM records (and read them).",
  "Tracking.Approve": "Approve or reject mailboxes' email addresses.",
};

/** Readers: Tracking.Read, and Tracking.Admin (who changes what they must be able to see). */
export const READERS: readonly AppRole[] = [APP_ROLES.read, APP_ROLES.admin];
export const ADMINS: readonly AppRole[] = [APP_ROLES.admin];
export const APPROVERS: readonly AppRole[] = [APP_ROLES.approve];

export function isAppRole(value: string): value is AppRole {
  return (ALL_APP_ROLES as readonly string[]).includes(value);
}

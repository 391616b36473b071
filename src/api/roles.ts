// The admin API's app roles. app-roles.json is the one definition: this module, the OpenAPI
// document, the docs and infra/main.bicep (loadJsonContent, as the `appRoles` of the API's app
// registration in Entra ID, which Bicep cannot create) all read it. Roles arrive in the access
// token's `roles` claim.
import definitions from "./app-roles.json" with { type: "json" };

export const APP_ROLES = {
  /** Reads everything: settings, mailboxes, records, activities. */
  read: "Tracking.Read",
  /** Changes settings, mailboxes and records (Dynamics' System Administrator / System Customizer). */
  admin: "Tracking.Admin",
  /** Approves and rejects mailboxes (Dynamics' "Approve Email Addresses for Users or Queues"). */
  approve: "Tracking.Approve",
} as const;

export type AppRole = (typeof APP_ROLES)[keyof typeof APP_ROLES];

export interface AppRoleDefinition {
  value: AppRole;
  id: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
}

export const APP_ROLE_DEFINITIONS = definitions.appRoles as AppRoleDefinition[];

export const ALL_APP_ROLES: readonly AppRole[] = Object.values(APP_ROLES);

export const APP_ROLE_DESCRIPTIONS = Object.fromEntries(APP_ROLE_DEFINITIONS.map((role) => [role.value, role.description])) as Record<AppRole, string>;

/** Readers: Tracking.Read, and Tracking.Admin (who changes what they must be able to see). */
export const READERS: readonly AppRole[] = [APP_ROLES.read, APP_ROLES.admin];
export const ADMINS: readonly AppRole[] = [APP_ROLES.admin];
/** Approval is its own duty: Tracking.Admin alone does not approve. */
export const APPROVERS: readonly AppRole[] = [APP_ROLES.approve];

export function isAppRole(value: string): value is AppRole {
  return (ALL_APP_ROLES as readonly string[]).includes(value);
}

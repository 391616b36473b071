// /admin/settings: the organization settings (every one of them, from the settings table), their
// version as an ETag, updates against If-Match, and the tracking-token preview.
import { z } from "zod";
import { ORGANIZATION_SETTINGS } from "../../domain/settings.js";
import type { OrganizationSettings } from "../../domain/types.js";
import { ApiProblem } from "../problem.js";
import { defineRoute, type ApiRoute } from "../route.js";
import { ADMINS, READERS } from "../roles.js";
import { settingsObjectSchema } from "../schemas.js";
import { etagHeader, ifMatchHeader, requireIfMatch } from "./etag.js";

const TAG = "Settings";

const organizationSchema = settingsObjectSchema(ORGANIZATION_SETTINGS, { partial: false }).meta({ description: "Every organization setting." });
const organizationChangesSchema = settingsObjectSchema(ORGANIZATION_SETTINGS, { partial: true }).meta({
  description: "The settings to change; the others keep their values. Changing trackingTokenPrefix puts the old prefix at the front of trackingTokenPrefixHistory (unless the history is given too).",
});
const TOKEN_KEYS = ["trackingTokenPrefix", "trackingTokenBaseNumber", "trackingTokenUserDigits", "trackingTokenCounterDigits"] as const;
const tokenSettingsSchema = settingsObjectSchema(
  ORGANIZATION_SETTINGS.filter((definition) => (TOKEN_KEYS as readonly string[]).includes(definition.key)),
  { partial: true },
)
  .optional()
  .meta({ description: "Proposed token settings; the stored ones fill the rest. No body: preview the stored settings." });
const previewSchema = z.object({
  prefix: z.string(),
  token: z.string().meta({ description: "A user's first tracked message, e.g. CRM:0001001." }),
  largest: z.string().meta({ description: "The largest user number and counter the digits allow." }),
});

export const settingsRoutes: readonly ApiRoute[] = [
  defineRoute(TAG, {
    operationId: "getOrganizationSettings",
    method: "GET",
    path: "/admin/settings/organization",
    summary: "Read every organization setting",
    description: "The ETag header is the version to send back in If-Match when updating.",
    access: { roles: READERS },
    responses: { 200: { description: "The settings (defaults where never saved).", body: organizationSchema, headers: { ETag: "The settings' version." } } },
    async handle(_input, services) {
      const current = await services.organization.get();
      return { status: 200, body: current.value, headers: { ETag: etagHeader(current.etag) } };
    },
  }),
  defineRoute(TAG, {
    operationId: "updateOrganizationSettings",
    method: "PATCH",
    path: "/admin/settings/organization",
    summary: "Change organization settings",
    description:
      "Send only the settings to change, with If-Match set to the ETag you read. 412 when someone saved in between (read again and retry), 428 without If-Match. Takes effect for the next email.",
    access: { roles: ADMINS },
    body: organizationChangesSchema,
    requestHeaders: ifMatchHeader,
    responses: {
      200: { description: "The settings as saved.", body: organizationSchema, headers: { ETag: "The new version." } },
    },
    async handle(input, services) {
      const ifMatch = requireIfMatch(input.header("if-match"));
      const current = ifMatch === "*" ? await services.organization.get() : undefined;
      const outcome = await services.organization.update(input.body as Partial<OrganizationSettings>, { ifMatch: current?.etag ?? ifMatch });
      if (!outcome.ok) {
        throw new ApiProblem(412, "the settings were changed by someone else since you read them: read them again and reapply your change", {
          errors: [{ field: "header.If-Match", message: "does not match the current version" }],
        });
      }
      return { status: 200, body: outcome.settings.value, headers: { ETag: etagHeader(outcome.settings.etag) } };
    },
  }),
  defineRoute(TAG, {
    operationId: "previewTrackingToken",
    method: "POST",
    path: "/admin/settings/organization/tracking-token-preview",
    summary: "Preview the tracking token for the stored or proposed token settings",
    access: { roles: READERS },
    body: tokenSettingsSchema,
    responses: { 200: { description: "What tokens look like with these settings.", body: previewSchema } },
    async handle(input, services) {
      return { status: 200, body: await services.organization.previewToken(input.body ?? {}) };
    },
  }),
];

// Zod schemas shared by the routes. Settings schemas are derived from the settings tables in
// src/domain/settings.ts: each field is validated by the table's own parser (same messages, same
// ranges) and documented by the table's JSON Schema fragment, description and default.
import { z } from "zod";
import type { SettingDefinition } from "../domain/settings.js";

/** One setting: validated by its definition, described by its JSON Schema fragment. */
export function settingSchema(definition: SettingDefinition) {
  return z
    .unknown()
    .superRefine((value, context) => {
      const result = definition.parse(value, definition.key);
      if (!result.ok) for (const message of result.problems) context.addIssue({ code: "custom", message });
    })
    .meta({
      ...definition.jsonSchema,
      description: definition.description,
      ...(definition.default !== undefined ? { default: definition.default } : {}),
    });
}

/** Every setting of a table: all required (what GET returns) or all optional (a PATCH). */
export function settingsObjectSchema(definitions: ReadonlyArray<SettingDefinition>, options: { partial: boolean; omit?: readonly string[] }) {
  const shape: Record<string, z.ZodType> = {};
  for (const definition of definitions) {
    if (options.omit?.includes(definition.key)) continue;
    const schema = settingSchema(definition);
    shape[definition.key] = options.partial || (definition.default === undefined && !definition.required) ? schema.optional() : schema;
  }
  return z.strictObject(shape);
}

// ---- paging ------------------------------------------------------------------------------------

export const MAX_PAGE_SIZE = 100;

/** `limit` and `continuationToken`, for every list route's query. */
export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50).meta({ description: `Items per page, 1–${MAX_PAGE_SIZE}.` }),
  continuationToken: z.string().min(1).max(4096).optional().meta({ description: "From the previous page's continuationToken." }),
};

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    continuationToken: z.string().optional().meta({ description: "Present when there are more items: pass it to get the next page." }),
  });
}

// ---- common bodies -------------------------------------------------------------------------------

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ description: "RFC 9457 problem details; errors name the offending fields." });

export const emailAddressParam = z.string().min(3).max(320).meta({ description: "The mailbox's email address." });

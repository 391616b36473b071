// ETag / If-Match for the routes that update against a version (settings, mailboxes).
import { ApiProblem } from "../problem.js";

export const ifMatchHeader = {
  "If-Match": { description: "The ETag you read; \"*\" to overwrite whatever is stored.", required: true },
};

/** As an HTTP entity tag: quoted (Cosmos DB's own are already). */
export function etagHeader(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** The version to compare with, from If-Match; 428 when it is missing. */
export function requireIfMatch(header: string | undefined): string {
  const value = header?.trim();
  if (!value) {
    throw new ApiProblem(428, "send If-Match with the ETag you read, so a change made since is not overwritten", {
      errors: [{ field: "header.If-Match", message: "is required" }],
    });
  }
  if (value === "*") return value;
  // A weak tag names the same version here; a list is not supported (one version is current).
  return value.replace(/^W\//, "");
}

// The administration use cases' refusals as problem+json: AdminError by its code, a record import
// that cannot be read at all, and a continuation token the store refused (RangeError).
import { AdminError } from "../../app/admin-errors.js";
import { RecordImportError } from "../../app/records.js";
import { ApiProblem } from "../problem.js";

const STATUS: Record<AdminError["code"], number> = { notFound: 404, conflict: 409, refused: 409, invalid: 400 };

export function toProblem(error: unknown, options: { tokenField?: string } = {}): unknown {
  if (error instanceof AdminError) {
    return new ApiProblem(STATUS[error.code], error.message, error.field ? { errors: [{ field: error.field, message: error.message }] } : {});
  }
  if (error instanceof RecordImportError) return new ApiProblem(400, error.message, { errors: [{ field: error.field, message: error.message }] });
  if (error instanceof RangeError && options.tokenField) {
    return new ApiProblem(400, error.message, { errors: [{ field: options.tokenField, message: error.message }] });
  }
  return error;
}

/** Runs a use case, turning its refusals into problems. */
export async function orProblem<T>(run: () => Promise<T>, options: { tokenField?: string } = {}): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toProblem(error, options);
  }
}

// The API's app roles, from their one definition (src/api/app-roles.json through roles.ts).
export { APP_ROLES as ROLES } from "../../src/api/roles.js";

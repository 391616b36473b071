// The API's app roles as the page names them. TEMPORARY until src/api/roles.ts is on main.
export const ROLES = { read: "Tracking.Read", admin: "Tracking.Admin", approve: "Tracking.Approve" } as const;

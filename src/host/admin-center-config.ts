// What the admin center page reads at start-up (GET …/admin-center/config.json). The server
// (admin-center.ts) writes it and the page (web/src/config.ts) reads it; this file imports nothing
// so both sides compile it.
export interface AdminCenterConfig {
  /** Where the administration API lives, relative to the page's origin. */
  apiBase: string;
  /** Entra ID sign-in; null until the deployment configures it. */
  signIn: null | { authority: string; clientId: string; scopes: string[] };
}

/** The function's route below the host's route prefix (/api): the page's base URL follows it. */
export const ADMIN_CENTER_SEGMENT = "admin-center";
/** Where `vite build` writes the page, relative to the app root (where host.json is). */
export const ADMIN_CENTER_BUILD_DIR = "dist/admin-center";

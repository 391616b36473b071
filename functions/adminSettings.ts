// HTTP /api/admin/settings/…: the organization settings (src/api/routes/settings.ts).
import { settingsRoutes } from "../src/api/routes/settings.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminSettings", route: "admin/settings/{*path}", routes: settingsRoutes });

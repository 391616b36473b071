// HTTP /api/admin/health/…: the organization's mailbox health overview and Resync of every mailbox.
import { organizationHealthRoutes } from "../src/api/routes/health.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminHealth", route: "admin/health/{*path}", routes: organizationHealthRoutes });

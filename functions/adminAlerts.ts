// HTTP /api/admin/alerts: every mailbox's alerts, listed and deleted by level and time.
import { alertRoutes } from "../src/api/routes/health.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminAlerts", route: "admin/alerts/{*path}", routes: alertRoutes });

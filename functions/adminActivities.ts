// HTTP /api/admin/activities/…: tracked activities, re-link, track on request (src/api/routes/activities.ts).
import { activityRoutes } from "../src/api/routes/activities.js";
import { registerApiFunction } from "../src/host/api.js";

registerApiFunction({ name: "adminActivities", route: "admin/activities/{*path}", routes: activityRoutes });

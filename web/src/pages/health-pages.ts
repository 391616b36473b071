// The pages about how the mailboxes are doing (Alerts, Organization health), as the shell lists
// them. Kept here so the shell's own list changes by one line.
import { html } from "lit";
import type { Page } from "../app.js";
import { ROLES } from "../roles.js";
import "./alerts.js";

export const healthPages: Page[] = [
  {
    route: "alerts",
    title: "Alerts",
    summary: "what server-side sync raised about the mailboxes, by level and time.",
    signedIn: true,
    needsPath: "/admin/alerts",
    render: ({ api, config, session }) => html`
      <h1 tabindex="-1">Alerts</h1>
      <p class="lead">Errors, warnings and information about the mailboxes, newest first, with what to do.</p>
      <alerts-view .api=${api} .apiBase=${config.apiBase} .canDelete=${session.roles.includes(ROLES.admin)}></alerts-view>`,
  },
];

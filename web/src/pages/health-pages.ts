// The pages about how the mailboxes are doing (Organization health, Alerts, Item log), as the shell lists
// them. Kept here so the shell's own list changes by one line.
import { html } from "lit";
import type { Page } from "../app.js";
import { ROLES } from "../roles.js";
import "./alerts.js";
import { ORGANIZATION_ITEM_LOG } from "./item-log.js";
import { ORGANIZATION_HEALTH_PATH, RESYNC_ALL_PATH } from "./organization-health.js";

export const healthPages: Page[] = [
  {
    route: "health",
    title: "Organization health",
    summary: "every mailbox's state, coverage and failures at a glance.",
    signedIn: true,
    needsPath: ORGANIZATION_HEALTH_PATH,
    render: ({ api, session, apiPaths }) =>
      html`<organization-health-page .api=${api} .canResync=${session.roles.includes(ROLES.admin) && apiPaths.has(RESYNC_ALL_PATH)}></organization-health-page>`,
  },
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
  {
    route: "item-log",
    title: "Item log",
    summary: "each email server-side sync processed, in every mailbox, and what it decided.",
    signedIn: true,
    needsPath: ORGANIZATION_ITEM_LOG,
    render: ({ api, config }) => html`
      <h1 tabindex="-1">Item log</h1>
      <p class="lead">Each item server-side sync processed in every mailbox, newest first: tracked, skipped or failed, and why. Subjects of mailboxes you do not own show as ***.</p>
      <item-log-view .api=${api} .apiBase=${config.apiBase}></item-log-view>`,
  },
];

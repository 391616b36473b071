// The pages about tracked email (Activities, What-if, Send), as the shell lists them. Kept here so
// the shell's own list changes by one line.
import { html } from "lit";
import type { Page } from "../app.js";
import { ROLES } from "../roles.js";
import { currentRoute } from "../router.js";
import "./activities.js";
import "./send.js";
import "./what-if.js";

export const trackingPages: Page[] = [
  {
    route: "activities",
    title: "Activities",
    summary: "tracked email by mailbox, record or conversation, with why it was tracked and linked.",
    signedIn: true,
    needsPath: "/admin/activities",
    // A caller without a reading role sees only activities of mailboxes they own, which the API
    // lets them re-link; a reader without Tracking.Admin gets no edit buttons.
    render: ({ api, session }) =>
      html`<activities-page .api=${api} .route=${currentRoute()}
        .canEdit=${session.roles.includes(ROLES.admin) || !session.roles.includes(ROLES.read)}></activities-page>`,
  },
  {
    route: "what-if",
    title: "What-if",
    summary: "replay recorded mail under candidate settings, or compare two, without touching live data.",
    signedIn: true,
    needsPath: "/admin/what-if",
    render: ({ api }) => html`<what-if-page .api=${api}></what-if-page>`,
  },
  {
    route: "send",
    title: "Send tracked email",
    summary: "email from a mailbox you may send from, with a regarding record; replies are linked to it.",
    signedIn: true,
    needsPath: "/admin/outgoing/{address}",
    render: ({ api }) => html`<send-page .api=${api}></send-page>`,
  },
];

// The Mailboxes section's addresses: `mailboxes` is the list, `mailboxes/<address>` one mailbox.
import { html, type TemplateResult } from "lit";
import { keyed } from "lit/directives/keyed.js";
import type { Api } from "../api.js";
import type { AppState } from "../app.js";
import type { Session } from "../auth.js";
import { ROLES } from "../roles.js";
import type { Viewer } from "./mailbox-common.js";
import "./mailbox.js";
import "./mailboxes.js";

export function renderMailboxes({ api, config, session, route, apiPaths }: AppState & { api: Api; session: Session }): TemplateResult {
  const viewer: Viewer = {
    canEdit: session.roles.includes(ROLES.admin),
    canApprove: session.roles.includes(ROLES.approve),
    canRead: session.roles.includes(ROLES.read) || session.roles.includes(ROLES.admin),
    objectId: session.objectId,
    apiPaths,
  };
  const segment = route.split("/")[1];
  if (segment) {
    const address = safeDecode(segment);
    // Keyed by address: moving to another mailbox builds a fresh page.
    return html`${keyed(address, html`<mailbox-page .api=${api} .apiBase=${config.apiBase} .address=${address} .viewer=${viewer}></mailbox-page>`)}`;
  }
  return html`<mailboxes-page .api=${api} .viewer=${viewer} .user=${session.user}></mailboxes-page>`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// The Mailboxes section's addresses: `mailboxes` is the list, `mailboxes/<address>` one mailbox.
import { html, type TemplateResult } from "lit";
import { keyed } from "lit/directives/keyed.js";
import type { Api } from "../api.js";
import type { AppState } from "../app.js";
import type { Session } from "../auth.js";
import { ROLES } from "../roles.js";
import "./mailbox.js";
import "./mailboxes.js";

export function renderMailboxes({ api, config, session, route, apiPaths }: AppState & { api: Api; session: Session }): TemplateResult {
  const viewer = { canEdit: session.roles.includes(ROLES.admin), canApprove: session.roles.includes(ROLES.approve), apiPaths };
  const segment = route.split("/")[1];
  if (segment) {
    const address = safeDecode(segment);
    // Keyed by address: moving to another mailbox builds a fresh page.
    return html`${keyed(address, html`<mailbox-page .api=${api} .apiBase=${config.apiBase} .address=${address} .viewer=${viewer}></mailbox-page>`)}`;
  }
  return html`<mailboxes-page .api=${api} .canEdit=${viewer.canEdit} .canApprove=${viewer.canApprove} .apiPaths=${apiPaths}></mailboxes-page>`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

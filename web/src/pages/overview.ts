// The overview: what the admin center is for, who is signed in, and how to sign in.
import { html, nothing, type TemplateResult } from "lit";
import type { AppState } from "../app.js";
import { ROLES } from "../roles.js";
import { hrefOf } from "../router.js";

export function renderOverview({ config, session, signIn, signInError, pages }: AppState): TemplateResult {
  return html`
    <h1 tabindex="-1">Overview</h1>
    <p class="lead">Run email tracking for your organization: settings, mailboxes and tracked activities.</p>
    ${signInError ? html`<p class="notice notice--error" role="alert">Sign-in failed: ${signInError}</p>` : nothing}
    ${session
      ? html`<section class="card" aria-labelledby="start-heading">
          <h2 id="start-heading">Signed in as ${session.name}</h2>
          <p>${session.user} · ${session.roles.length > 0 ? `app roles: ${session.roles.join(", ")}` : "no app role: you see the mailboxes you own"}</p>
          ${!session.roles.includes(ROLES.read) && !session.roles.includes(ROLES.admin) && pages.some((page) => page.route === "mailboxes")
            ? html`<p><a href=${hrefOf(`mailboxes/${encodeURIComponent(session.user)}`)}>Your mailbox</a>: its status, personal options, health, alerts and item log.</p>`
            : nothing}
          <ul class="link-list">
            ${pages.map((page) => html`<li><a href=${hrefOf(page.route)}>${page.title}</a>: ${page.summary}</li>`)}
          </ul>
        </section>`
      : html`<section class="card" aria-labelledby="sign-in-heading">
          <h2 id="sign-in-heading">Sign in</h2>
          ${config.signIn === null
            ? html`<p class="notice" role="status">Sign-in with Entra ID is not configured for this deployment yet, so no data can be shown.</p>`
            : html`<p>Sign in with your organization account to continue.</p>`}
          <button class="button button--primary" type="button" ?disabled=${signIn === undefined} @click=${() => signIn?.()}>Sign in</button>
        </section>`}
  `;
}

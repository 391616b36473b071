// The overview: what the admin center is for and how to sign in.
import { html, type TemplateResult } from "lit";
import type { AppState } from "../app.js";

export function renderOverview({ config }: AppState): TemplateResult {
  return html`
    <h1 tabindex="-1">Overview</h1>
    <p class="lead">Run email tracking for your organization: settings, mailboxes and tracked activities.</p>
    <section class="card" aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Sign in</h2>
      ${config.signIn === null
        ? html`<p class="notice" role="status">
            Sign-in with Entra ID is not configured for this deployment yet, so no data can be shown.
          </p>`
        : html`<p>Sign in with your organization account to continue.</p>`}
      <button class="button button--primary" type="button" ?disabled=${config.signIn === null}>Sign in</button>
    </section>
  `;
}

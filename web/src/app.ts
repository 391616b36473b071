// <tracker-app>: the admin center's shell: header with the signed-in user, navigation, and the
// current page. Light DOM (no shadow root), so the one stylesheet, labels and in-page links work
// everywhere, and the Content-Security-Policy needs no inline styles.
import { html, LitElement, nothing, ReactiveElement, type PropertyValues, type TemplateResult } from "lit";
import { createApi, type Api } from "./api.js";
import { startAuth, type Auth, type Session } from "./auth.js";
import { loadConfig, type AdminCenterConfig } from "./config.js";
import { loadOpenApi } from "./openapi.js";
import { currentRoute, hrefOf, interceptLinks } from "./router.js";
import { trackingPages } from "./pages/tracking-pages.js";
import { healthPages } from "./pages/health-pages.js";
import { renderOverview } from "./pages/overview.js";
import "./pages/settings.js";
import { renderMailboxes } from "./pages/mailbox-routes.js";
import { ROLES } from "./roles.js";

export interface AppState {
  config: AdminCenterConfig;
  session: Session | undefined;
  api: Api | undefined;
  signIn: (() => void) | undefined;
  /** Set when sign-in failed. */
  signInError: string | undefined;
  /** The signed-in pages on offer, for the overview. */
  pages: ReadonlyArray<{ route: string; title: string; summary: string }>;
  /** The current route, "mailboxes/ada%40contoso.com" say: a page reads what follows its own. */
  route: string;
  /** The routes the API describes (OpenAPI paths): a page offers only what the API has. */
  apiPaths: ReadonlySet<string>;
}

export interface Page {
  route: string;
  title: string;
  summary: string;
  /** Pages with data need a signed-in user. */
  signedIn: boolean;
  /** The API path the page is built on: until the API has it, the page is not offered. */
  needsPath?: string;
  render(app: AppState & { api: Api; session: Session }): TemplateResult;
}

/** The pages in the navigation, in order. */
const PAGES: readonly Page[] = [
  { route: "", title: "Overview", summary: "", signedIn: false, render: renderOverview },
  {
    route: "settings",
    title: "Email tracking settings",
    summary: "how email is tracked and linked, for the whole organization.",
    signedIn: true,
    render: ({ api, config, session }) =>
      html`<settings-page .api=${api} .apiBase=${config.apiBase} .canEdit=${session.roles.includes(ROLES.admin)}></settings-page>`,
  },
  {
    route: "mailboxes",
    title: "Mailboxes",
    summary: "approval, Test & Enable, and each mailbox's status.",
    signedIn: true,
    needsPath: "/admin/mailboxes",
    render: renderMailboxes,
  },
  ...trackingPages,
  ...healthPages,
];

export class TrackerApp extends LitElement {
  static override properties = {
    route: { state: true },
    config: { state: true },
    auth: { state: true },
    loadError: { state: true },
    signInError: { state: true },
  };

  // Reactive properties are declared, not initialised as class fields: a field would shadow the
  // accessor Lit defines, whatever the compiler's class-field semantics.
  declare route: string;
  declare config: AdminCenterConfig | undefined;
  declare auth: Auth | undefined;
  declare loadError: string | undefined;
  declare signInError: string | undefined;
  private api: Api | undefined;
  private apiPaths = new Set<string>();
  private previousRoute: string | undefined;

  constructor() {
    super();
    this.route = currentRoute();
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    interceptLinks(this);
    const follow = () => {
      this.route = currentRoute();
    };
    window.addEventListener("popstate", follow);
    window.addEventListener("tracker:navigate", follow);
    void this.start();
  }

  private async start(): Promise<void> {
    let config: AdminCenterConfig;
    try {
      config = await loadConfig();
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
      return;
    }
    if (config.signIn !== null) {
      try {
        this.auth = await startAuth(config.signIn);
        if (this.auth.session) {
          this.api = createApi({ apiBase: config.apiBase, session: this.auth.session });
          this.apiPaths = await apiPaths(config.apiBase);
        }
        this.route = currentRoute(); // MSAL may have returned us to the page sign-in started from
      } catch (error) {
        this.signInError = error instanceof Error ? error.message : String(error);
      }
    }
    this.config = config;
  }

  override updated(changed: PropertyValues<this>): void {
    const page = this.page();
    document.title = `${page?.title ?? "Not found"} · Email tracking admin center`;
    // After an in-app navigation, focus moves to the new page's heading, as a page load would.
    if (changed.has("route") && this.previousRoute !== undefined && this.previousRoute !== this.route) void this.focusHeading(this.route);
    this.previousRoute = this.route;
  }

  /** Focuses the page's h1 once the page element has rendered it (its own update comes after ours). */
  private async focusHeading(route: string): Promise<void> {
    const main = this.querySelector("main");
    await Promise.all([...(main?.children ?? [])].filter((child) => child instanceof ReactiveElement).map((page) => page.updateComplete));
    if (this.route === route) this.querySelector<HTMLElement>("main h1")?.focus();
  }

  private pages(): Page[] {
    return PAGES.filter((page) => page.needsPath === undefined || this.apiPaths.has(page.needsPath));
  }

  private page(): Page | undefined {
    return this.pages().find((page) => page.route === this.route.split("/")[0]);
  }

  override render(): TemplateResult {
    const page = this.page();
    const session = this.auth?.session;
    return html`
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="top-bar">
        <a class="brand" href=${hrefOf("")}>Email tracking <span>admin center</span></a>
        <div class="top-bar__user">
          ${session
            ? html`<span class="user" data-testid="signed-in-user"
                  >${session.name} <span class="user__roles">${session.roles.length > 0 ? session.roles.join(", ") : "no app role"}</span></span
                >
                <button class="button button--on-brand" type="button" @click=${() => void session.signOut()}>Sign out</button>`
            : this.auth
              ? html`<button class="button button--on-brand" type="button" @click=${() => void this.auth?.signIn()}>Sign in</button>`
              : nothing}
        </div>
      </header>
      <div class="layout">
        <nav class="side-nav" aria-label="Admin center">
          <ul>
            ${this.pages().filter((p) => !p.signedIn || session).map(
              (p) => html`<li><a href=${hrefOf(p.route)} aria-current=${p === page ? "page" : nothing}>${p.title}</a></li>`,
            )}
          </ul>
        </nav>
        <main id="main" tabindex="-1">${this.renderMain(page)}</main>
      </div>
    `;
  }

  private renderMain(page: Page | undefined): TemplateResult {
    if (this.loadError !== undefined) {
      return html`<h1 tabindex="-1">Admin center unavailable</h1>
        <p class="notice notice--error" role="alert">The admin center could not load its configuration: ${this.loadError}.</p>`;
    }
    const config = this.config;
    if (config === undefined) return html`<p class="loading" role="status">Loading…</p>`;
    if (page === undefined) {
      return html`<h1 tabindex="-1">Page not found</h1>
        <p>There is no page at this address. <a href=${hrefOf("")}>Go to the overview</a>.</p>`;
    }
    const session = this.auth?.session;
    const state: AppState = {
      config,
      session,
      api: this.api,
      signIn: this.auth ? () => void this.auth?.signIn() : undefined,
      signInError: this.signInError,
      pages: this.pages().filter((p) => p.signedIn),
      route: this.route,
      apiPaths: this.apiPaths,
    };
    if (page.signedIn && (session === undefined || this.api === undefined)) {
      return html`<h1 tabindex="-1">${page.title}</h1>
        <p class="notice" role="status">Sign in to see this page.</p>
        ${state.signIn ? html`<button class="button button--primary" type="button" @click=${state.signIn}>Sign in</button>` : nothing}`;
    }
    return page.render({ ...state, api: this.api as Api, session: session as Session });
  }
}

/** The routes the API describes: a page built on one the API lacks is not offered. */
async function apiPaths(apiBase: string): Promise<Set<string>> {
  try {
    return new Set(Object.keys((await loadOpenApi(apiBase)).paths ?? {}));
  } catch {
    return new Set(); // such pages stay hidden; the others say what failed when used
  }
}

customElements.define("tracker-app", TrackerApp);

declare global {
  interface HTMLElementTagNameMap {
    "tracker-app": TrackerApp;
  }
}

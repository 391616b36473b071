// <tracker-app>: the admin center's shell: header, navigation, and the current page. Light DOM
// (no shadow root), so the one stylesheet, labels and in-page links work everywhere, and the
// Content-Security-Policy needs no inline styles.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { loadConfig, type AdminCenterConfig } from "./config.js";
import { currentRoute, hrefOf, interceptLinks } from "./router.js";
import { renderOverview } from "./pages/overview.js";

interface Page {
  route: string;
  title: string;
  render(app: AppState): TemplateResult;
}

export interface AppState {
  config: AdminCenterConfig;
}

/** The pages in the navigation, in order. Later issues add theirs here. */
const PAGES: readonly Page[] = [{ route: "", title: "Overview", render: renderOverview }];

export class TrackerApp extends LitElement {
  static override properties = {
    route: { state: true },
    config: { state: true },
    loadError: { state: true },
  };

  // Reactive properties are declared, not initialised as class fields: a field would shadow the
  // accessor Lit defines, whatever the compiler's class-field semantics.
  declare route: string;
  declare config: AdminCenterConfig | undefined;
  declare loadError: string | undefined;
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
    loadConfig().then(
      (config) => {
        this.config = config;
      },
      (error: unknown) => {
        this.loadError = error instanceof Error ? error.message : String(error);
      },
    );
  }

  override updated(changed: PropertyValues<this>): void {
    const page = this.page();
    document.title = `${page?.title ?? "Not found"} · Email tracking admin center`;
    // After an in-app navigation, focus moves to the new page's heading, as a page load would.
    if (changed.has("route") && this.previousRoute !== undefined && this.previousRoute !== this.route) {
      this.querySelector<HTMLElement>("main h1")?.focus();
    }
    this.previousRoute = this.route;
  }

  private page(): Page | undefined {
    return PAGES.find((page) => page.route === this.route);
  }

  override render(): TemplateResult {
    const page = this.page();
    return html`
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="top-bar">
        <a class="brand" href=${hrefOf("")}>Email tracking <span>admin center</span></a>
      </header>
      <div class="layout">
        <nav class="side-nav" aria-label="Admin center">
          <ul>
            ${PAGES.map(
              (p) => html`<li><a href=${hrefOf(p.route)} aria-current=${p.route === this.route ? "page" : nothing}>${p.title}</a></li>`,
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
    if (this.config === undefined) return html`<p class="loading" role="status">Loading…</p>`;
    if (page === undefined) {
      return html`<h1 tabindex="-1">Page not found</h1>
        <p>There is no page at this address. <a href=${hrefOf("")}>Go to the overview</a>.</p>`;
    }
    return page.render({ config: this.config });
  }
}

customElements.define("tracker-app", TrackerApp);

declare global {
  interface HTMLElementTagNameMap {
    "tracker-app": TrackerApp;
  }
}

// What every page does to show something it reads from the API: the value once it came, the
// API's words when it failed, "Loading…" until then. A newer load aborts the one before it, and
// leaving the page aborts what is under way, so a slow old answer never overwrites a newer one.
import { html, type ReactiveController, type ReactiveControllerHost } from "lit";
import { describeError } from "./format.js";

export interface LoaderOptions {
  /** What is loaded, as the messages say it: "the mailboxes" → "Loading the mailboxes…". */
  what: string;
  /** The message for a failure; default the API's own words. */
  describe?: (error: unknown) => string;
}

export class Loader<T> implements ReactiveController {
  value: T | undefined;
  error: string | undefined;
  private current: AbortController | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: LoaderOptions,
  ) {
    host.addController(this);
  }

  /** Loads through `read`; resolves when it has been shown (or replaced by a newer load). */
  async load(read: (signal: AbortSignal) => Promise<T>): Promise<void> {
    this.current?.abort();
    const controller = (this.current = new AbortController());
    try {
      const value = await read(controller.signal);
      if (controller.signal.aborted) return;
      this.value = value;
      this.error = undefined;
    } catch (error) {
      if (controller.signal.aborted) return;
      this.error = (this.options.describe ?? describeError)(error);
    }
    this.host.requestUpdate();
    await this.host.updateComplete;
  }

  hostDisconnected(): void {
    this.current?.abort();
  }

  /** The failure, "Loading…", or what `ready` makes of the value. */
  render(ready: (value: T) => unknown): unknown {
    if (this.error !== undefined) return html`<p class="notice notice--error" role="alert">${capitalized(this.options.what)} could not be loaded: ${this.error}</p>`;
    if (this.value === undefined) return html`<p class="loading" role="status">Loading ${this.options.what}…</p>`;
    return ready(this.value);
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}


/** A page of a list route's answer: `{ items, continuationToken? }`. */
export interface ListPage<T> {
  items: T[];
  continuationToken?: string;
}

/** A list read a page at a time: "Show more" appends the next page to those shown. */
export class PagedLoader<T> extends Loader<ListPage<T>> {
  /** The first page, or with `more` the one after those shown. `read` gets the page's continuation token. */
  loadPage(read: (continuationToken: string | undefined, signal: AbortSignal) => Promise<ListPage<T>>, options: { more?: boolean } = {}): Promise<void> {
    const shown = options.more ? this.value : undefined;
    return this.load(async (signal) => {
      const page = await read(shown?.continuationToken, signal);
      return { items: [...(shown?.items ?? []), ...page.items], ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
    });
  }
}

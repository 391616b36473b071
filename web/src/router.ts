// Path-based routing below the app's base (/api/admin-center/): every page has its own address,
// and the server answers index.html for any path that does not name a static file.
const base = import.meta.env.BASE_URL;

/** The route of the current address: "" for the overview, "settings", "mailboxes/…". */
export function currentRoute(): string {
  const path = location.pathname;
  const below = path.startsWith(base) ? path.slice(base.length) : "";
  return below.replace(/\/+$/, "");
}

export function hrefOf(route: string): string {
  return `${base}${route}`;
}

export function navigate(route: string): void {
  if (route === currentRoute()) return;
  history.pushState(null, "", hrefOf(route));
  window.dispatchEvent(new Event("tracker:navigate"));
}

/** Follows in-app links without a page load; modified clicks (new tab…) keep the browser's behaviour. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest("a");
    if (!anchor || anchor.target || anchor.origin !== location.origin || !anchor.pathname.startsWith(base)) return;
    event.preventDefault();
    navigate(anchor.pathname.slice(base.length).replace(/\/+$/, ""));
  });
}

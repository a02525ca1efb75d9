import { useEffect, useState } from "preact/hooks";

/** A tiny history router: the console's pages are /, /overview, /incidents/:key and /login. */
export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useLocation(): { path: string; search: string } {
  const [where, setWhere] = useState({ path: location.pathname, search: location.search });
  useEffect(() => {
    const update = () => setWhere({ path: location.pathname, search: location.search });
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return where;
}

/** Follows same-origin links without a page load (modifier clicks still open new tabs). */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element).closest("a");
  if (!anchor || anchor.target || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  // A link within the page (#evidence-e1) is the browser's to follow.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

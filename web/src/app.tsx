import { useEffect, useState } from "preact/hooks";
import { type Session, signIn, tokenStore, whenUnauthorized } from "./api.ts";
import { live } from "./live.ts";
import { IncidentPage } from "./pages/incident-page.tsx";
import { IncidentsPage } from "./pages/incidents-page.tsx";
import { LoginPage } from "./pages/login-page.tsx";
import { OverviewPage } from "./pages/overview-page.tsx";
import { navigate, onLinkClick, useLocation } from "./router.ts";
import { savedTheme, saveTheme, type Theme } from "./theme.ts";

export function App() {
  const { path, search } = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    whenUnauthorized(() => signOut("Your token is no longer accepted. Sign in again."));
    live.onStatus = setConnected;
    // A token from earlier in this tab, or none at all when Sluice has no tokens configured.
    signIn(tokenStore.get())
      .then((found) => {
        setSession(found);
        live.start();
      })
      .catch(() => undefined)
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    const titles: Record<string, string> = { "/": "Incidents", "/overview": "Overview", "/login": "Sign in" };
    document.title = `${titles[path] ?? path.replace("/incidents/", "")} · Sluice`;
  }, [path]);

  const signOut = (message?: string) => {
    tokenStore.clear();
    live.stop();
    setSession(null);
    navigate(`/login${message ? `?m=${encodeURIComponent(message)}` : ""}`, true);
  };

  if (checking) return <main class="loading">Loading…</main>;
  if (!session || path === "/login") {
    return (
      <LoginPage
        message={new URLSearchParams(search).get("m")}
        onSignedIn={(found) => {
          setSession(found);
          live.start();
          navigate("/", true);
        }}
      />
    );
  }
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: one delegated handler turns the app's links into history navigation; the links stay links
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard activation of a link fires click too
    <div class="shell" onClick={onLinkClick}>
      <Header session={session} connected={connected} path={path} onSignOut={() => signOut()} />
      <main id="main">
        {path === "/overview" ? (
          <OverviewPage session={session} />
        ) : path.startsWith("/incidents/") ? (
          <IncidentPage key={path} id={decodeURIComponent(path.slice("/incidents/".length))} session={session} />
        ) : (
          <IncidentsPage session={session} search={search} />
        )}
      </main>
    </div>
  );
}

function Header(props: { session: Session; connected: boolean; path: string; onSignOut(): void }) {
  const [theme, setTheme] = useState<Theme>(savedTheme());
  const toggle = () => {
    const next = theme === "dark" ? "light" : "dark";
    saveTheme(next);
    setTheme(next);
  };
  const current = (href: string) => (props.path === href ? "page" : undefined);
  return (
    <header class="top">
      <a class="brand" href="/">
        Sluice
      </a>
      <nav aria-label="Main">
        <a href="/" aria-current={current("/")}>
          Incidents
        </a>
        <a href="/overview" aria-current={current("/overview")}>
          Overview
        </a>
      </nav>
      <span class={`live ${props.connected ? "on" : "off"}`} role="status">
        {props.connected ? "Live" : "Reconnecting…"}
      </span>
      <span class="who">
        {props.session.name} · <strong data-testid="role">{props.session.role}</strong>
      </span>
      <button type="button" class="ghost" onClick={toggle} aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}>
        {theme === "dark" ? "☀ Light" : "☾ Dark"}
      </button>
      {props.session.authEnabled && (
        <button type="button" class="ghost" onClick={props.onSignOut}>
          Sign out
        </button>
      )}
    </header>
  );
}

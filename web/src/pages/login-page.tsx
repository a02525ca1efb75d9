import { useState } from "preact/hooks";
import { type Session, signIn, tokenStore } from "../api.ts";

export function LoginPage(props: { message: string | null; onSignedIn(session: Session): void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(props.message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const entered = token.trim();
    if (!entered) {
      setError("Enter an API token.");
      return;
    }
    setBusy(true);
    try {
      const session = await signIn(entered);
      tokenStore.set(entered);
      props.onSignedIn(session);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit}>
        <h1>Sluice</h1>
        <p>Sign in with an API token. It is kept for this tab only.</p>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(event) => setToken((event.target as HTMLInputElement).value)}
          aria-describedby={error ? "login-error" : undefined}
        />
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

/** The console's one way to the public API: the tab's token as a bearer, errors as readable messages. */
const TOKEN_KEY = "sluice.token";

export type Role = "viewer" | "responder" | "admin";
export interface Session {
  name: string;
  role: Role;
  authEnabled: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The token lives in sessionStorage: this tab only, gone when it closes. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}): Promise<T> {
  const token = init.token === undefined ? tokenStore.get() : init.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${response.status}`;
    if (response.status === 401 && init.token === undefined) onUnauthorized();
    throw new ApiError(response.status, message);
  }
  return body as T;
}

/** Checks a token and says who it is, or why it cannot be used here. */
export async function signIn(token: string | null): Promise<Session> {
  try {
    return await api<Session>("/api/session", { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new Error(
        token ? "That token was not accepted. Check it, or ask an admin for a new one." : "Sign in with an API token.",
      );
    }
    if (error instanceof ApiError && error.status === 403) {
      throw new Error(
        "That is an ingest token: it can send signals but not read incidents. Use a viewer, responder or admin token.",
      );
    }
    throw new Error(`Sluice did not answer as expected (${(error as Error).message}).`);
  }
}

export const canAct = (role: Role) => role === "responder" || role === "admin";

// A key is secret when its last word names a secret ("db_password", "X-Auth-Token", "apiKey"), not
// when a secret word only qualifies it ("token_type", "password_file", "max_tokens", "secret_name").
const SECRET_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "pass",
  "passphrase",
  "secret",
  "secrets",
  "token",
  "apikey",
  "accesskey",
  "privatekey",
  "secretkey",
  "accountkey",
  "sharedaccesskey",
  "sharedaccesssignature",
  "auth",
  "authorization",
  "credential",
  "credentials",
  "session",
  "sessionid",
  "sessiontoken",
  "cookie",
  "sig",
  "signature",
  "bearer",
  "jwt",
]);
// "…_key" is secret only when qualified: "api_key", "access_key", "AccountKey"; a bare "key" is a cache key.
const KEY_QUALIFIERS = new Set([
  "api",
  "access",
  "private",
  "secret",
  "account",
  "signing",
  "encryption",
  "master",
  "client",
  "shared",
  "app",
  "subscription",
  "storage",
  "service",
  "auth",
  "license",
]);

const WORD_BOUNDARY = /[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/;

/** Lower-case words of a key: `X-Api-Key` → x, api, key; `clientSecret` → client, secret. */
export function keyWords(key: string): string[] {
  return key
    .split(WORD_BOUNDARY)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

// Keys repeat across signals (the same label and field names), and splitting one is a regex pass:
// remember answers, with a bound against unbounded key churn.
const MAX_CACHED_KEYS = 10_000;
const secretKeyCache = new Map<string, boolean>();

/** True when a key's value is a secret and must be masked whole. */
export function isSecretKey(key: string): boolean {
  let answer = secretKeyCache.get(key);
  if (answer === undefined) {
    answer = judgeKey(key);
    if (secretKeyCache.size >= MAX_CACHED_KEYS) secretKeyCache.clear();
    secretKeyCache.set(key, answer);
  }
  return answer;
}

function judgeKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  const previous = words[words.length - 2];
  if (previous === undefined) return false;
  if (last === "key") return KEY_QUALIFIERS.has(previous);
  if (last === "id") return previous === "session";
  if (last === "hash") return previous === "password";
  return false;
}

/** The mask kind for the value of a secret key. */
export function secretKindForKey(key: string): string {
  const words = keyWords(key);
  const last = words[words.length - 1] ?? "";
  const joined = words.join("");
  if (words.includes("aws") && joined.includes("secret")) return "aws-secret-key";
  if (joined.includes("accountkey") || joined.includes("sharedaccess")) return "azure-key";
  if (words.some((w) => w === "password" || w === "passwd" || w === "pwd" || w === "pass" || w === "passphrase")) {
    return "password";
  }
  if (last.endsWith("token") || last === "jwt" || last === "bearer") return "token";
  if (last.startsWith("session") || last === "cookie" || (last === "id" && words.includes("session"))) return "session";
  if (last === "sig" || last === "signature") return "signature";
  if (last === "auth" || last === "authorization") return "authorization";
  if (words.includes("api") || last === "apikey") return "api-key";
  return "secret";
}

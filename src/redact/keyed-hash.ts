import { createHmac, randomBytes } from "node:crypto";
import type { InstanceKeys } from "../core/ports/instance-keys.ts";

/** A keyed hash of a value people typed: the same value always gives the same text, which says nothing of it. */
export type Pseudonym = (value: string) => string;

/** Where the generated key is kept (table instance_keys), shared by every replica on the database. */
export const AFFECTED_USERS_KEY = "affected-users-hmac";

// 80 bits: no two of the at most 1000 users an incident counts collide in practice, and it stays short.
const HEX_CHARS = 20;

/** HMAC-SHA256 under `key`, as 20 hex digits. */
export function keyedHash(key: string): Pseudonym {
  return (value) => createHmac("sha256", key).update(value, "utf8").digest("hex").slice(0, HEX_CHARS);
}

/**
 * The key affected users (and ids holding secrets) are hashed with: the configured one, else one generated
 * on first start and stored in the database, so counts stay the same across restarts and replicas.
 */
export async function pseudonymKey(configured: string | undefined, keys: InstanceKeys, now: number): Promise<string> {
  if (configured) return configured;
  return keys.get(AFFECTED_USERS_KEY, () => randomBytes(32).toString("base64url"), now);
}

import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { SluiceError } from "../../core/errors.ts";

export type Role = "viewer" | "responder" | "admin";
const RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2 };

/** What a route requires: a role, an ingest token for a source, or nothing. */
export type Access = { role: Role } | { ingest: string } | "public";

export interface AuthConfig {
  tokens: readonly { name: string; role: Role; sha256: string }[];
  ingestTokens: readonly { name: string; sources: readonly string[]; sha256: string }[];
}

export interface Principal {
  name: string;
  role: Role | null;
  sources: readonly string[];
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Bearer tokens are stored as SHA-256 hashes; with none configured, every request is allowed (localhost only). */
export class Authenticator {
  readonly enabled: boolean;

  constructor(private readonly config: AuthConfig) {
    this.enabled = config.tokens.length + config.ingestTokens.length > 0;
  }

  identify(header: string | undefined): Principal | null {
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (!token) return null;
    const hash = Buffer.from(sha256Hex(token), "hex");
    const same = (hex: string) => timingSafeEqual(Buffer.from(hex, "hex"), hash);
    const user = this.config.tokens.find((t) => same(t.sha256));
    if (user) return { name: user.name, role: user.role, sources: user.role === "admin" ? ["*"] : [] };
    const ingest = this.config.ingestTokens.find((t) => same(t.sha256));
    return ingest ? { name: ingest.name, role: null, sources: ingest.sources } : null;
  }

  /** Throws UNAUTHORIZED or FORBIDDEN unless the request may use a route with `access`. */
  check(request: FastifyRequest, access: Access): void {
    request.principal = null;
    if (access === "public" || !this.enabled) return;
    const principal = this.identify(request.headers.authorization);
    if (!principal) throw new SluiceError("UNAUTHORIZED", "a valid bearer token is required");
    request.principal = principal;
    if ("role" in access) {
      if (principal.role === null || RANK[principal.role] < RANK[access.role]) {
        throw new SluiceError("FORBIDDEN", `this needs the ${access.role} role`);
      }
      return;
    }
    if (!principal.sources.includes("*") && !principal.sources.includes(access.ingest)) {
      throw new SluiceError("FORBIDDEN", `token ${principal.name} may not send ${access.ingest} signals`);
    }
  }

  /**
   * The onRequest hook of a route: it runs before the body is read, so an anonymous sender's body is
   * never parsed or buffered. None at all without tokens, so open installs pay nothing per request.
   */
  hook(access: Access): ((request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void) | undefined {
    if (!this.enabled || access === "public") return undefined;
    return (request, _reply, done) => {
      try {
        this.check(request, access);
        done();
      } catch (error) {
        done(error as Error);
      }
    };
  }
}

/** The actor name written to timelines for a request. */
export function actorOf(request: FastifyRequest): string {
  return `api:${request.principal?.name ?? "anonymous"}`;
}

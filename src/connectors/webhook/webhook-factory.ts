import { z } from "zod";
import type { ConnectorFactory } from "../connector.ts";
import { RESERVED_HEADERS } from "./signature.ts";
import { WebhookConnector } from "./webhook-connector.ts";
import { WebhookSync } from "./webhook-sync.ts";

const webhookConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("POST every incident change as signed JSON to `url`."),
    url: z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .optional()
      .describe("Receiver URL."),
    secret: z
      .string()
      .min(16, "use at least 16 characters so the HMAC key cannot be guessed")
      .optional()
      .describe("HMAC-SHA256 key; when set every request carries X-Sluice-Signature."),
    headers: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe("Extra request headers (e.g. an Authorization header the receiver expects)."),
  })
  .superRefine((config, ctx) => {
    if (config.enabled && !config.url) {
      ctx.addIssue({ code: "custom", path: ["url"], message: "url is required when webhook is enabled" });
    }
    for (const name of Object.keys(config.headers ?? {})) {
      // Letting a custom header replace these would break signatures or idempotency for the receiver.
      if (RESERVED_HEADERS.includes(name.toLowerCase())) {
        ctx.addIssue({ code: "custom", path: ["headers", name], message: `"${name}" is set by Sluice and cannot be overridden` });
      }
    }
  })
  .default({ enabled: false });

/** The validated `webhook` block. */
export type WebhookConfig = z.infer<typeof webhookConfig>;

export const webhookFactory: ConnectorFactory<typeof webhookConfig> = {
  platform: "webhook",
  configSchema: webhookConfig,
  // The URL is listed because receivers often carry a token in it; headers because they carry auth.
  secretFields: ["url", "secret", "headers"],
  isEnabled: (config) => config.enabled,
  create: (config, deps) => {
    if (!config.url) throw new Error("webhook connector created without a url; the config schema requires one when enabled");
    return new WebhookConnector({ url: config.url, secret: config.secret ?? null, headers: config.headers ?? {} }, deps);
  },
  // Without a secret nothing could prove a request came from the receiver, so there is no inbound side.
  createSyncHandler: (config, deps) => (config.secret ? new WebhookSync(config.secret, deps.clock) : null),
};

import { cardNumberDetector } from "./card-number.ts";
import type { Detector } from "./detector.ts";
import { keyValueDetector } from "./key-value.ts";
import {
  awsAccessKeyDetector,
  azureStorageKeyDetector,
  bearerDetector,
  emailDetector,
  gcpApiKeyDetector,
  githubTokenDetector,
  jwtDetector,
  privateKeyDetector,
  slackTokenDetector,
  slackWebhookDetector,
  stripeKeyDetector,
  urlPasswordDetector,
} from "./token-detectors.ts";

/**
 * The built-in detectors in priority order: when two match at the same position the earlier wins, so
 * the specific token formats come before the key=value rule and the broad e-mail and card rules.
 */
export function builtInDetectors(options: { emails: boolean }): Detector[] {
  return [
    privateKeyDetector,
    jwtDetector,
    slackWebhookDetector,
    urlPasswordDetector,
    awsAccessKeyDetector,
    gcpApiKeyDetector,
    githubTokenDetector,
    slackTokenDetector,
    stripeKeyDetector,
    azureStorageKeyDetector,
    bearerDetector,
    keyValueDetector,
    ...(options.emails ? [emailDetector] : []),
    cardNumberDetector,
  ];
}

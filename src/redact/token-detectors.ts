import type { Detector } from "./detector.ts";
import { mask } from "./mask.ts";
import { ci } from "./regex-source.ts";

const AWS_PREFIX = /A(?:KIA|SIA|BIA|CCA|IDA|ROA|IPA|NPA|NVA|PKA)/;
const GITHUB_PREFIX = /gh[pousr]_|github_pat_/;
const BEARER_WORD = /bearer/i;

/** PEM private keys, whole block; a block cut off by truncation is masked to the end of the text. */
export const privateKeyDetector: Detector = {
  mayMatch: (t) => t.includes("-----BEGIN"),
  kind: "private-key",
  source: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/
    .source,
};

/** JSON Web Tokens: three base64url segments, the header starting `eyJ` (`{"`). */
export const jwtDetector: Detector = {
  mayMatch: (t) => t.includes("eyJ"),
  kind: "jwt",
  source: /(?<!\w)eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/.source,
};

/** Slack incoming-webhook and workflow URLs: the path is the credential. */
export const slackWebhookDetector: Detector = {
  mayMatch: (t) => t.includes("hooks.slack.com"),
  kind: "slack-webhook",
  source: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[\w/+-]+/.source,
};

/** `scheme://user:password@host`: the user stays, the password goes. */
export const urlPasswordDetector: Detector = {
  mayMatch: (t) => t.includes("@") && t.includes("://"),
  kind: "password",
  source: /(?<![\w+.-])[A-Za-z][\w+.-]*:\/\/[^\s/?#@:'"]*:[^\s/?#@'"]+@/.source,
  mask(match) {
    const userStart = match.indexOf("://") + 3;
    const colon = match.indexOf(":", userStart);
    return `${match.slice(0, colon + 1)}${mask("password")}@`;
  },
};

/** AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes). */
export const awsAccessKeyDetector: Detector = {
  mayMatch: (t) => AWS_PREFIX.test(t),
  kind: "aws-access-key",
  source: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/.source,
};

/** Google Cloud API keys. */
export const gcpApiKeyDetector: Detector = {
  mayMatch: (t) => t.includes("AIza"),
  kind: "gcp-api-key",
  source: /(?<![\w-])AIza[\w-]{35}(?![\w-])/.source,
};

/** GitHub personal, OAuth, app and refresh tokens, and fine-grained PATs. */
export const githubTokenDetector: Detector = {
  mayMatch: (t) => GITHUB_PREFIX.test(t),
  kind: "github-token",
  source: /(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,})/.source,
};

/** Slack bot, user, app, refresh and config tokens. */
export const slackTokenDetector: Detector = {
  mayMatch: (t) => t.includes("xox"),
  kind: "slack-token",
  source: /(?<!\w)xox[abprse]-[A-Za-z0-9-]{10,}/.source,
};

/** Stripe secret and restricted keys. */
export const stripeKeyDetector: Detector = {
  mayMatch: (t) => t.includes("k_live_") || t.includes("k_test_"),
  kind: "stripe-key",
  source: /(?<!\w)[rs]k_(?:live|test)_[A-Za-z0-9]{10,}/.source,
};

/** A bare Azure storage account key: 64 bytes of base64 (88 characters ending `==`). */
export const azureStorageKeyDetector: Detector = {
  mayMatch: (t) => t.includes("=="),
  kind: "azure-key",
  source: /(?<![\w+/=])[A-Za-z0-9+/]{86}==(?![\w+/=])/.source,
};

// A credential, not a word: either it has a digit or it is long ("Bearer token expired" stays).
const CREDENTIAL = /(?:(?=[\w.~+/-]*\d)[\w.~+/-]{8,}|[\w.~+/-]{20,})=*/.source;

/** `Bearer <token>` anywhere (headers outside `Authorization:`, curl lines, stack traces). */
export const bearerDetector: Detector = {
  mayMatch: (t) => BEARER_WORD.test(t),
  kind: "bearer-token",
  source: `(?<![\\w-])${ci("bearer")}[ \\t]+${CREDENTIAL}`,
  mask(match) {
    return `${match.slice(0, 6)} ${mask("bearer-token")}`;
  },
};

/** E-mail addresses (personal data). */
export const emailDetector: Detector = {
  mayMatch: (t) => t.includes("@"),
  kind: "email",
  source: /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/.source,
};

// PagerDuty's Events API v2 declares client_url, links[].href and images[].href as `format: url`, and
// refuses an event whose URL does not match it (the whole event, so the page never goes out). Its
// validators use the common `url` format (ajv-formats'), copied here: public http(s) or ftp URLs only.
const URL_FORMAT =
  /^(?:https?|ftp):\/\/(?:\S+(?::\S*)?@)?(?:(?!(?:10|127)(?:\.\d{1,3}){3})(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))|(?:(?:[a-z0-9\u{00a1}-\u{ffff}]+-)*[a-z0-9\u{00a1}-\u{ffff}]+)(?:\.(?:[a-z0-9\u{00a1}-\u{ffff}]+-)*[a-z0-9\u{00a1}-\u{ffff}]+)*(?:\.(?:[a-z\u{00a1}-\u{ffff}]{2,})))(?::\d{2,5})?(?:\/[^\s]*)?$/iu;

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** True when PagerDuty takes `url` in a `format: url` field. */
export function isPagerDutyUrl(url: string): boolean {
  return URL_FORMAT.test(url);
}

/** Why PagerDuty would refuse `url` as a link (in words an operator can act on), or null when it takes it. */
export function pagerDutyUrlProblem(url: string): string | null {
  if (isPagerDutyUrl(url)) return null;
  let host = "";
  try {
    host = new URL(url).hostname;
  } catch {
    return "is not a URL";
  }
  if (!/^(?:https?|ftp):/i.test(url)) return "is not an http(s) URL";
  if (host.startsWith("[")) return `has an IPv6 address (${host}) as its host`;
  if (IPV4.test(host)) return `has a private, loopback or link-local address (${host}) as its host`;
  if (!host.includes(".")) return `has a single-label host name (${host}), not a domain name`;
  return "does not match PagerDuty's url format (a public host name with a top-level domain)";
}

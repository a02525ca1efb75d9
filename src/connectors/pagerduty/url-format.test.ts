import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPagerDutyUrl, pagerDutyUrlProblem } from "./url-format.ts";

describe("PagerDuty's url format", () => {
  it("takes public http(s) URLs, with ports and paths", () => {
    for (const url of [
      "https://sluice.example.com/incidents/INC-1",
      "http://sluice.internal.example.org:8080/incidents/INC-1",
      "https://8.8.8.8/incidents/INC-1",
      "https://203.0.113.7:8443/x",
    ]) {
      assert.equal(pagerDutyUrlProblem(url), null, url);
    }
  });

  it("names why it refuses private, loopback, single-label and IPv6 hosts", () => {
    assert.match(
      pagerDutyUrlProblem("http://10.0.0.5:8080/incidents/INC-1") ?? "",
      /private, loopback or link-local address \(10\.0\.0\.5\)/,
    );
    for (const url of ["http://127.0.0.1:8080", "http://192.168.1.20/x", "http://172.20.0.3/x", "http://169.254.1.1/x"]) {
      assert.equal(isPagerDutyUrl(url), false, url);
    }
    assert.match(pagerDutyUrlProblem("http://sluice:8080/incidents/INC-1") ?? "", /single-label host name \(sluice\)/);
    assert.match(pagerDutyUrlProblem("http://localhost:8080") ?? "", /single-label host name \(localhost\)/);
    assert.match(pagerDutyUrlProblem("http://[::1]:8080/x") ?? "", /IPv6 address/);
    assert.match(pagerDutyUrlProblem("mailto:ops@example.com") ?? "", /not an http\(s\) URL/);
  });
});

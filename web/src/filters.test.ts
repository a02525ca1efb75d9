import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiQuery, filtersFromQuery, matches, queryFromFilters, type Row } from "./filters.ts";

const row: Row = {
  id: "01",
  key: "INC-7",
  number: 7,
  title: "Payment timeouts",
  severity: "high",
  state: "open",
  service: "payments",
  team: "Checkout",
  signalCount: 3,
  lastSeenAt: "2026-11-02T10:00:00.000Z",
};
const now = Date.parse("2026-11-02T10:30:00Z");

describe("incident list filters", () => {
  it("round-trip through the URL, dropping unknown values", () => {
    const filters = filtersFromQuery("?state=open,bogus&severity=high,critical&service=payments&team=checkout&since=1h&q=time");
    assert.deepEqual(filters, {
      states: ["open"],
      severities: ["high", "critical"],
      service: "payments",
      team: "checkout",
      since: "1h",
      text: "time",
    });
    assert.equal(
      queryFromFilters(filters),
      "?state=open&severity=high%2Ccritical&service=payments&team=checkout&since=1h&q=time",
    );
    assert.equal(queryFromFilters(filtersFromQuery("")), "", "defaults leave the URL clean");
    assert.equal(filtersFromQuery("?state=all").states.length, 4);
    assert.equal(filtersFromQuery("?since=3y").since, "", "an unknown period means any time");
  });

  it("ask the server for unresolved incidents by default, with since as a time", () => {
    const query = apiQuery(filtersFromQuery("?since=15m"), now);
    assert.equal(query.get("state"), "open,acknowledged,escalated");
    assert.equal(query.get("since"), "2026-11-02T10:15:00.000Z");
    assert.equal(query.get("team"), null);
    assert.equal(query.get("q"), null);
  });

  it("ask the server for team and text too, the text trimmed", () => {
    const query = apiQuery(filtersFromQuery("?team=Checkout&q=%20pay%20"), now);
    assert.equal(query.get("team"), "Checkout");
    assert.equal(query.get("q"), "pay");
  });

  it("match rows on every filter, team and text case-insensitively", () => {
    assert.ok(matches(row, filtersFromQuery("?team=CHECKOUT&q=PAYMENT"), now));
    assert.ok(!matches(row, filtersFromQuery("?state=resolved"), now));
    assert.ok(!matches({ ...row, state: "resolved" }, filtersFromQuery(""), now), "resolved is hidden by default");
    assert.ok(!matches(row, filtersFromQuery("?since=15m"), now), "last seen 30 minutes ago");
    assert.ok(!matches(row, filtersFromQuery("?severity=critical"), now));
    assert.ok(!matches(row, filtersFromQuery("?q=database"), now));
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { warningEvent } from "../../../testing/fake-kubernetes.ts";
import { eventSummary, type ServiceObjects, warningGroups } from "./warning-events.ts";

const T = (hhmm: string) => `2026-11-02T${hhmm}:00Z`;
const FROM = Date.parse(T("09:00"));
const TO = Date.parse(T("10:10"));

const objects: ServiceObjects = {
  Pod: new Set(["cart-1", "cart-2"]),
  ReplicaSet: new Set(["cart-c3"]),
  Deployment: new Set(["cart"]),
};

describe("Warning events", () => {
  it("groups the service's Warning events by reason, most frequent first, with their span and latest message", () => {
    const events = [
      warningEvent("Pod", "cart-1", "BackOff", "Back-off restarting failed container cart in pod cart-1", {
        first: T("09:58"),
        last: T("10:04"),
        count: 9,
      }),
      warningEvent("Pod", "cart-2", "BackOff", "Back-off restarting failed container cart in pod cart-2", {
        first: T("09:59"),
        last: T("10:05"),
        count: 4,
      }),
      warningEvent("Pod", "cart-1", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", {
        first: T("09:57"),
      }),
      // A node event naming one of its pods: the node problem detector's OOM kill.
      warningEvent("Node", "node-a", "OOMKilling", "Memory cgroup out of memory: Killed process 4242 (node) pod cart-2", {
        first: T("09:59"),
      }),
      // Another service's pod, a Normal event, and one long before the window: none of them count.
      warningEvent("Pod", "payments-1", "BackOff", "Back-off restarting failed container", { first: T("09:58") }),
      { ...warningEvent("Pod", "cart-1", "Pulled", "Successfully pulled image", { first: T("09:58") }), type: "Normal" },
      warningEvent("Pod", "cart-1", "FailedMount", "MountVolume.SetUp failed", { first: T("02:00"), last: T("02:05") }),
    ];
    const groups = warningGroups(events, objects, FROM, TO);
    assert.deepEqual(
      groups.map((g) => [g.reason, g.count, g.objects]),
      [
        ["BackOff", 13, ["Pod/cart-1", "Pod/cart-2"]],
        ["OOMKilling", 1, ["Pod/cart-2"]],
        ["Unhealthy", 1, ["Pod/cart-1"]],
      ],
    );
    assert.equal(
      eventSummary("shop", groups[0] ?? assert.fail()),
      "Warning BackOff ×13 in shop on 2 objects (Pod/cart-1, Pod/cart-2) from 2026-11-02T09:58:00.000Z to 2026-11-02T10:05:00.000Z: Back-off restarting failed container cart in pod cart-2",
    );
    assert.equal(
      eventSummary("shop", groups[2] ?? assert.fail()),
      "Warning Unhealthy ×1 in shop on Pod/cart-1 at 2026-11-02T09:57:00.000Z: Readiness probe failed: HTTP probe failed with statuscode: 503",
    );
  });

  it("reads new-style events (eventTime and series) too", () => {
    const event = {
      ...warningEvent("ReplicaSet", "cart-c3", "FailedCreate", 'pods "cart-c3-x" is forbidden: exceeded quota', {
        first: T("09:55"),
      }),
      firstTimestamp: null,
      lastTimestamp: null,
      count: undefined,
      eventTime: "2026-11-02T09:55:00.000000Z",
      series: { count: 6, lastObservedTime: "2026-11-02T10:01:00.000000Z" },
    };
    const [group] = warningGroups([event], objects, FROM, TO);
    assert.deepEqual(group && [group.reason, group.count, group.first, group.last], [
      "FailedCreate",
      6,
      Date.parse(T("09:55")),
      Date.parse(T("10:01")),
    ]);
  });
});

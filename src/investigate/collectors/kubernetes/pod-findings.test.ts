import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pod } from "../../../testing/fake-kubernetes.ts";
import { podFinding, podSummary, podsOverview } from "./pod-findings.ts";

const T = (hhmm: string) => `2026-11-02T${hhmm}:00Z`;
const ms = (hhmm: string) => Date.parse(T(hhmm));

function container(fields: Record<string, unknown>) {
  return { name: "cart", image: "shop/cart:3", imageID: "", ready: false, restartCount: 0, ...fields };
}

describe("pod findings", () => {
  it("a healthy pod has no condition and says so", () => {
    const f = podFinding(pod("cart-1"));
    assert.equal(f.condition, null);
    assert.equal(f.ready, true);
    assert.equal(podSummary("shop", f), "pod shop/cart-1 Running, ready");
  });

  it("an OOMKilled container in a crash loop: memory, from its earliest kill the status shows", () => {
    const f = podFinding(
      pod("cart-1", {
        status: {
          conditions: [{ type: "Ready", status: "False", lastTransitionTime: T("09:58") }],
          containerStatuses: [
            container({
              restartCount: 5,
              state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 2m40s restarting failed container" } },
              lastState: { terminated: { reason: "OOMKilled", exitCode: 137, startedAt: T("09:57"), finishedAt: T("09:58") } },
            }),
          ],
        },
      }),
    );
    assert.equal(f.condition, "oom-killed");
    assert.equal(f.since, ms("09:58"));
    assert.equal(f.restarts, 5);
    assert.equal(f.waiting, "CrashLoopBackOff");
    assert.equal(
      podSummary("shop", f),
      "pod shop/cart-1 Running, not ready; 5 restarts; last terminated OOMKilled (exit 137): out of memory at 2026-11-02T09:58:00.000Z (container cart); waiting: CrashLoopBackOff; not ready since 2026-11-02T09:58:00.000Z",
    );
  });

  it("a crash that is not memory is a restart; an exit 0 of an init container is not", () => {
    const crashed = podFinding(
      pod("cart-2", {
        status: {
          containerStatuses: [
            container({
              ready: true,
              restartCount: 1,
              state: { running: { startedAt: T("10:01") } },
              lastState: { terminated: { reason: "Error", exitCode: 1, finishedAt: T("10:01") } },
            }),
          ],
        },
      }),
    );
    assert.equal(crashed.condition, "restarts");
    assert.equal(crashed.since, ms("10:01"));
    const initDone = podFinding(
      pod("cart-3", {
        status: {
          initContainerStatuses: [
            container({ name: "migrate", state: { terminated: { reason: "Completed", exitCode: 0, finishedAt: T("08:00") } } }),
          ],
        },
      }),
    );
    assert.equal(initDone.condition, null);
  });

  it("Pending and unschedulable: capacity, since the scheduler gave up; merely not ready: not-ready", () => {
    const pending = podFinding(
      pod("cart-4", {
        createdAt: T("09:50"),
        status: {
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/3 nodes are available: 3 Insufficient memory.",
              lastTransitionTime: T("09:51"),
            },
          ],
          containerStatuses: [],
        },
      }),
    );
    assert.equal(pending.condition, "pending");
    assert.equal(pending.since, ms("09:51"));
    assert.match(
      podSummary("shop", pending),
      /Pending, unschedulable since 2026-11-02T09:51:00.000Z: 0\/3 nodes are available: 3 Insufficient memory\.$/,
    );
    const unready = podFinding(
      pod("cart-5", { status: { conditions: [{ type: "Ready", status: "False", lastTransitionTime: T("10:02") }] } }),
    );
    assert.equal(unready.condition, "not-ready");
    assert.equal(unready.since, ms("10:02"));
  });

  it("the overview counts pods, readiness, restarts and troubles", () => {
    const findings = [
      podFinding(pod("a")),
      podFinding(
        pod("b", {
          status: {
            conditions: [{ type: "Ready", status: "False", lastTransitionTime: T("09:59") }],
            containerStatuses: [
              container({
                restartCount: 3,
                state: { waiting: { reason: "CrashLoopBackOff" } },
                lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: T("09:59") } },
              }),
            ],
          },
        }),
      ),
    ];
    assert.equal(
      podsOverview("cart", "shop", "app=cart", findings),
      "cart: 2 pods in shop (app=cart), 1 ready, 3 restarts; 1 OOMKilled, 1 in CrashLoopBackOff",
    );
    assert.equal(podsOverview("cart", "shop", "app=cart", []), "cart: no pods in shop match app=cart");
  });
});

import { resultForStatus } from "../connectors/http-result.ts";
import { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { runConnectorContract } from "./connector-contract-suite.ts";

// The in-memory platform has no HTTP: failures become the results the HTTP helpers give for them,
// so the suite checks the memory connector reports them unchanged.
runConnectorContract({
  name: "memory",
  secrets: [],
  connect: async () => {
    const connector = new MemoryConnector();
    return {
      connector,
      failNext: (failure) => {
        switch (failure.kind) {
          case "rate-limited":
            return connector.failNext(resultForStatus(429, "", String(failure.retryAfterSeconds)));
          case "server-error":
            return connector.failNext(resultForStatus(500, "", null));
          case "unauthorized":
            return connector.failNext(resultForStatus(401, "", null));
          case "timeout":
            return connector.failNext({ kind: "retryable", reason: "timed out" });
        }
      },
      received: () => connector.received.length,
      violations: () => [],
      close: async () => {},
    };
  },
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { goFrames, javaFrames, nodeFrames, pythonFrames, stackFrames } from "./stack-frames.ts";

const NODE = `TypeError: Cannot read properties of undefined (reading 'amount')
    at chargeCard (/app/src/payments/charge.ts:42:17)
    at async Router.handle (/app/node_modules/express/lib/router/index.js:284:7)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)
    at /app/src/server.js:10:3`;

const JAVA = `java.lang.IllegalStateException: pool exhausted
\tat com.acme.payments.db.Pool.acquire(Pool.java:88)
\tat com.acme.payments.Charge$Inner.run(Charge.java:42)
\tat java.base/java.lang.Thread.run(Thread.java:833)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)`;

const PYTHON = `Traceback (most recent call last):
  File "/usr/lib/python3.11/site-packages/flask/app.py", line 1484, in full_dispatch_request
  File "/srv/app/payments/views.py", line 12, in charge
  File "/srv/app/payments/gateway.py", line 57, in authorize
KeyError: 'amount'`;

const GO = `panic: runtime error: invalid memory address or nil pointer dereference
goroutine 1 [running]:
github.com/acme/payments/internal/charge.(*Service).Charge(0x0, {0x1, 0x2})
\t/build/internal/charge/service.go:31 +0x1d
main.main()
\t/build/cmd/payments/main.go:12 +0x25
runtime.goexit()
\t/usr/local/go/src/runtime/asm_amd64.s:1650 +0x1`;

describe("stack frame parsers", () => {
  it("Node: function, file and line, with and without a function name", () => {
    const frames = nodeFrames(NODE);
    assert.deepEqual(
      frames.map((f) => [f.fn, f.file, f.line]),
      [
        ["chargeCard", "/app/src/payments/charge.ts", 42],
        ["Router.handle", "/app/node_modules/express/lib/router/index.js", 284],
        [null, "/app/src/server.js", 10],
      ],
    );
  });

  it("Java: Class.method with the package's path, inner classes to their file", () => {
    assert.deepEqual(
      javaFrames(JAVA)
        .slice(0, 2)
        .map((f) => [f.fn, f.file, f.path, f.line]),
      [
        ["com.acme.payments.db.Pool.acquire", "Pool.java", "com/acme/payments/db/Pool.java", 88],
        ["com.acme.payments.Charge$Inner.run", "Charge.java", "com/acme/payments/Charge.java", 42],
      ],
    );
  });

  it("Python: innermost frame first", () => {
    assert.deepEqual(
      pythonFrames(PYTHON).map((f) => [f.fn, f.file, f.line]),
      [
        ["authorize", "/srv/app/payments/gateway.py", 57],
        ["charge", "/srv/app/payments/views.py", 12],
        ["full_dispatch_request", "/usr/lib/python3.11/site-packages/flask/app.py", 1484],
      ],
    );
  });

  it("Go: the function line and the tab-indented file line after it", () => {
    assert.deepEqual(
      goFrames(GO).map((f) => [f.fn, f.file, f.line]),
      [
        ["github.com/acme/payments/internal/charge.(*Service).Charge", "/build/internal/charge/service.go", 31],
        ["main.main", "/build/cmd/payments/main.go", 12],
      ],
    );
  });

  it("stackFrames keeps the application's own frames only, in every format", () => {
    const files = (text: string) => stackFrames(text).map((f) => f.file);
    assert.deepEqual(files(NODE), ["/app/src/payments/charge.ts", "/app/src/server.js"]);
    assert.deepEqual(files(JAVA), ["Pool.java", "Charge.java"]);
    assert.deepEqual(files(PYTHON), ["/srv/app/payments/gateway.py", "/srv/app/payments/views.py"]);
    assert.deepEqual(files(GO), ["/build/internal/charge/service.go", "/build/cmd/payments/main.go"]);
    assert.deepEqual(stackFrames("connection refused after 3 retries"), []);
  });
});

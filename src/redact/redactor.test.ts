import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { negatives, positives } from "./corpus.ts";
import { builtInDetectors } from "./detectors.ts";
import { luhnValid } from "./luhn.ts";
import { redactionConfigSchema } from "./redaction-config.ts";
import { createRedactor } from "./redactor.ts";
import { isSecretKey } from "./secret-key.ts";

const redactor = createRedactor();

describe("redactor corpus", () => {
  it("has the promised size", () => {
    assert.ok(positives.length >= 60, `${positives.length} positives`);
    assert.ok(negatives.length >= 40, `${negatives.length} negatives`);
  });

  for (const { text, secret, kind } of positives) {
    it(`masks ${kind}: ${text.slice(0, 60)}`, () => {
      assert.ok(text.includes(secret), "fixture: the secret must occur in the text");
      const out = redactor.redact(text);
      assert.ok(!out.includes(secret), `secret survived: ${out}`);
      assert.ok(out.includes(`[REDACTED:${kind}]`), `expected [REDACTED:${kind}] in: ${out}`);
    });
  }

  for (const text of negatives) {
    it(`keeps: ${text.slice(0, 60)}`, () => {
      assert.equal(redactor.redact(text), text);
    });
  }

  it("never skips a detector that would match (mayMatch is a necessary condition)", () => {
    const texts = [...positives.map((p) => p.text), ...negatives];
    for (const detector of builtInDetectors({ emails: true })) {
      const regex = new RegExp(detector.source);
      for (const text of texts) {
        if (regex.test(text)) assert.ok(detector.mayMatch(text), `${detector.kind} would be skipped for: ${text}`);
      }
    }
  });

  it("answers the same from its memo of clean texts, and never remembers one that holds a secret", () => {
    const fresh = createRedactor({ patterns: [{ name: "ticket", regex: "TCK-[0-9]+" }] });
    const texts = [...positives.map((p) => p.text), ...negatives, "see TCK-42", "checkout", "checkout"];
    const first = texts.map((text) => fresh.redact(text));
    assert.deepEqual(
      texts.map((text) => fresh.redact(text)),
      first,
    );
    assert.equal(fresh.redact("see TCK-42"), "see [REDACTED:ticket]");
    for (const { text, secret } of positives) assert.ok(!fresh.redact(text).includes(secret), text);
  });

  it("is idempotent", () => {
    for (const { text } of positives) {
      const once = redactor.redact(text);
      assert.equal(redactor.redact(once), once);
    }
  });
});

describe("redact details", () => {
  it("keeps the user of a URL and masks only its password", () => {
    assert.equal(redactor.redact("postgres://app:s3cret@db:5432/x"), "postgres://app:[REDACTED:password]@db:5432/x");
  });

  it("keeps key, quotes and auth scheme", () => {
    assert.equal(redactor.redact('{"password":"x1"}'), '{"password":"[REDACTED:password]"}');
    assert.equal(redactor.redact("Authorization: Basic dXNlcjpwdw=="), "Authorization: Basic [REDACTED:basic-auth]");
  });

  it("finds secrets inside the value of a non-secret key that contains a keyword", () => {
    assert.equal(
      redactor.redact("token_url=https://u:pw1@auth.example.com/x"),
      "token_url=https://u:[REDACTED:password]@auth.example.com/x",
    );
  });

  it("masks several secrets of different kinds in one message", () => {
    const out = redactor.redact(
      "user alice@example.com paid with 4111 1111 1111 1111 using key AKIAIOSFODNN7EXAMPLE and password=pw123",
    );
    assert.equal(
      out,
      "user [REDACTED:email] paid with [REDACTED:card-number] using key [REDACTED:aws-access-key] and password=[REDACTED:password]",
    );
  });

  it("leaves e-mail addresses alone when emails is false", () => {
    const r = createRedactor({ emails: false });
    assert.equal(r.redact("sent to alice@example.com"), "sent to alice@example.com");
    assert.equal(r.redact("password=x1 alice@example.com"), "password=[REDACTED:password] alice@example.com");
  });

  it("checks Luhn", () => {
    assert.ok(luhnValid("4111111111111111"));
    assert.ok(!luhnValid("4111111111111112"));
    assert.ok(!luhnValid(""));
  });

  it("judges keys by their last word", () => {
    for (const k of ["password", "db_password", "X-Api-Key", "clientSecret", "AccountKey", "sessionId", "Authorization"]) {
      assert.ok(isSecretKey(k), k);
    }
    for (const k of ["token_type", "max_tokens", "password_file", "secret_name", "key", "author", "session_count"]) {
      assert.ok(!isSecretKey(k), k);
    }
  });
});

describe("worst-case input", () => {
  it("stays linear on long pathological input", () => {
    const inputs = [
      "passwordpassword".repeat(6000),
      `${"x-token-".repeat(12000)}=`,
      `${"a.".repeat(50000)}@`,
      "1 ".repeat(50000),
      `${"A/".repeat(50000)}==`,
      `-----BEGIN PRIVATE KEY-----${"x\n".repeat(50000)}`,
      "token:".repeat(16000),
      `password="${"\\a".repeat(50000)}`,
    ];
    for (const text of inputs) {
      const started = performance.now();
      redactor.redact(text);
      const ms = performance.now() - started;
      assert.ok(ms < 250, `${ms.toFixed(0)} ms for ${text.slice(0, 20)}…`);
    }
  });
});

describe("redactValue", () => {
  it("redacts deeply, keeps keys and masks values of secret keys whole", () => {
    const input = {
      message: "login for bob@example.com",
      password: "hunter2",
      apiKey: 123456,
      token: null,
      nested: {
        list: ["ok", "Bearer abc123def456ghi", { clientSecret: { any: "shape" } }],
        url: "https://u:pw9@host/x",
        count: 3,
        enabled: true,
      },
    };
    const before = structuredClone(input);
    assert.deepEqual(redactor.redactValue(input), {
      message: "login for [REDACTED:email]",
      password: "[REDACTED:password]",
      apiKey: "[REDACTED:api-key]",
      token: null,
      nested: {
        list: ["ok", "Bearer [REDACTED:bearer-token]", { clientSecret: "[REDACTED:secret]" }],
        url: "https://u:[REDACTED:password]@host/x",
        count: 3,
        enabled: true,
      },
    });
    assert.deepEqual(input, before, "the input is not modified");
  });

  it("keeps a key named __proto__ as data, redacted like any other", () => {
    const input = JSON.parse('{"__proto__":"mail bob@example.com","constructor":"x"}');
    const out = redactor.redactValue(input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(JSON.stringify(out), '{"__proto__":"mail [REDACTED:email]","constructor":"x"}');
  });

  it("handles cycles, Maps and Errors", () => {
    const cyclic: Record<string, unknown> = { note: "mail a@b.io" };
    cyclic.self = cyclic;
    const out = redactor.redactValue(cyclic) as Record<string, unknown>;
    assert.equal(out.note, "mail [REDACTED:email]");
    assert.equal(out.self, out);

    const map = redactor.redactValue(
      new Map<string, unknown>([
        ["secret", "s"],
        ["msg", "x a@b.io"],
      ]),
    ) as Map<string, unknown>;
    assert.equal(map.get("secret"), "[REDACTED:secret]");
    assert.equal(map.get("msg"), "x [REDACTED:email]");

    const err = redactor.redactValue(new Error("connect postgres://a:pw@h failed")) as Record<string, unknown>;
    assert.equal(err.message, "connect postgres://a:[REDACTED:password]@h failed");
  });

  it("returns primitives and unknown objects as they are", () => {
    const date = new Date(0);
    assert.equal(redactor.redactValue(date), date);
    assert.equal(redactor.redactValue(42), 42);
    assert.equal(redactor.redactValue(undefined), undefined);
  });
});

describe("configured patterns", () => {
  it("masks with the pattern's name, after the built-ins", () => {
    const r = createRedactor({
      patterns: [
        { name: "customer-id", regex: "\\bCUST-\\d{6}\\b" },
        { name: "ticket", regex: "secret-project-[a-z]+", flags: "i" },
      ],
    });
    assert.equal(
      r.redact("CUST-123456 on Secret-Project-Falcon, password=x1"),
      "[REDACTED:customer-id] on [REDACTED:ticket], password=[REDACTED:password]",
    );
    assert.equal(r.redact("clean message"), "clean message");
  });

  it("accepts a parsed config block as options", () => {
    const config = redactionConfigSchema.parse({ patterns: [{ name: "emp", regex: "EMP\\d+" }], emails: false });
    const r = createRedactor(config);
    assert.equal(r.redact("EMP42 a@b.io"), "[REDACTED:emp] a@b.io");
  });

  it("throws CONFIG_INVALID for a pattern that does not compile", () => {
    assert.throws(() => createRedactor({ patterns: [{ name: "bad", regex: "(" }] }), { code: "CONFIG_INVALID" });
  });
});

describe("redactionConfigSchema", () => {
  it("defaults", () => {
    assert.deepEqual(redactionConfigSchema.parse(undefined), { patterns: [], emails: true, affectedUsers: "hash" });
    assert.deepEqual(redactionConfigSchema.parse({}), { patterns: [], emails: true, affectedUsers: "hash" });
  });

  it("rejects an invalid regex with a clear message at the regex path", () => {
    const result = redactionConfigSchema.safeParse({ patterns: [{ name: "broken", regex: "([a-z" }] });
    assert.equal(result.success, false);
    const issue = result.error?.issues[0];
    assert.deepEqual(issue?.path, ["patterns", 0, "regex"]);
    assert.match(issue?.message ?? "", /invalid regular expression for redaction pattern "broken": .*Unterminated/);
  });

  it("rejects bad flags, empty-matching patterns, odd names and unknown keys", () => {
    assert.equal(redactionConfigSchema.safeParse({ patterns: [{ name: "a", regex: "x", flags: "y" }] }).success, false);
    assert.equal(redactionConfigSchema.safeParse({ patterns: [{ name: "a", regex: "x*" }] }).success, false);
    assert.equal(redactionConfigSchema.safeParse({ patterns: [{ name: "a b", regex: "x" }] }).success, false);
    assert.equal(redactionConfigSchema.safeParse({ patterns: [], extra: 1 }).success, false);
    assert.equal(redactionConfigSchema.safeParse({ patterns: [{ name: "a", regex: "x", flag: "i" }] }).success, false);
  });
});

// Jira Cloud (REST v3) under the prefix: the project's own in-memory Jira (src/testing/fake-jira.ts)
// behind real HTTP. Its idempotency is Jira's: an issue is found again by its label through
// `POST /rest/api/3/search/jql` (JQL `labels = "<label>" AND statusCategory != Done`), so only a create
// whose issue is still open is absorbed. Workflow: To Do -(Start Progress)-> In Progress -(Done)-> Done.
import { fakeJira } from "../../../src/testing/fake-jira.ts";
import type { FakePlatform, FakeRequest, FakeResponse } from "./common.ts";

export class FakeJira implements FakePlatform {
  readonly name = "jira";
  private readonly inner = fakeJira("cloud");
  readonly issues = this.inner.issues;
  readonly calls = this.inner.calls;

  async handle(request: FakeRequest): Promise<FakeResponse> {
    if (!request.headers.authorization?.startsWith("Basic ")) {
      return { status: 401, body: "Unauthorized", headers: { "content-type": "text/plain" } };
    }
    const query = request.query.toString();
    const init: RequestInit = { method: request.method, headers: { "content-type": "application/json" } };
    if (request.body) init.body = request.body;
    const response = await this.inner.http(`https://jira.test${request.path}${query ? `?${query}` : ""}`, init);
    const headers: Record<string, string> = {};
    const type = response.headers.get("content-type");
    if (type) headers["content-type"] = type;
    return { status: response.status, body: await response.text(), headers };
  }

  describe(): string {
    const list = [...this.issues.values()]
      .map((i) => `${i.key}[${i.category}, ${i.comments.length} comments, priority ${JSON.stringify(i.fields.priority ?? null)}]`)
      .join(" ");
    return `${this.issues.size} issue(s) ${list}`;
  }
}

import { useEffect, useState } from "preact/hooks";
import { api, canAct, type Session } from "../api.ts";
import { type InvestigationReport, InvestigationReportView } from "../components/investigation-report.tsx";
import { type RemediationRun, RemediationRuns } from "../components/remediation-runs.tsx";
import { ServiceGraph } from "../components/service-graph.tsx";
import { count, time } from "../format.ts";
import { live } from "../live.ts";

interface Detail {
  id: string;
  key: string;
  title: string;
  severity: string;
  priority: string;
  state: string;
  service: string;
  environment: string;
  errorPattern: string;
  signalCount: number;
  summary: string;
  firstSeenAt: string;
  lastSeenAt: string;
  escalationLevel: number;
  context?: {
    owner?: { team: string; runbookUrl: string | null; escalation: string | null; dashboards: { title: string; url: string }[] };
    trace?: {
      rootCause: { service: string; operation: string; errorMessage: string | null };
      blastRadius: { service: string; share: number }[];
    };
    changes?: { id: string; summary: string; url: string | null; at: number }[];
    affectedUsers?: { count: number; capped: boolean };
  };
  signals: { id: string; message: string; errorPattern: string; severity: string; source: string }[];
  timeline: { id: number; at: number; actor: string; action: string; detail: string; rule: string | null }[];
  tickets: { platform: string; externalId: string; url: string | null; syncedState: string; updatedAt: number }[];
}

interface Delivery {
  id: string;
  platform: string;
  action: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

interface Similar {
  key: string;
  title: string;
  service: string;
  resolution: string;
  score: number;
}

/** Which actions make sense in which state (the server decides; this only hides the ones it would refuse). */
const ACTIONS: Record<string, ("acknowledge" | "resolve" | "escalate" | "reopen")[]> = {
  open: ["acknowledge", "escalate", "resolve"],
  acknowledged: ["escalate", "resolve"],
  escalated: ["acknowledge", "resolve"],
  resolved: ["reopen"],
};

export function IncidentPage(props: { id: string; session: Session }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [similar, setSimilar] = useState<Similar[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<InvestigationReport | null>(null);
  const [runs, setRuns] = useState<RemediationRun[] | null>(null);
  const actor = canAct(props.session.role);

  const load = async () => {
    try {
      const found = await api<Detail>(`/api/incidents/${encodeURIComponent(props.id)}`);
      setDetail(found);
      setError(null);
      // Every report puts an entry on the timeline: asked only once there is one, so no 404 before the first.
      if (found.timeline.some((entry) => entry.action === "investigation"))
        api<{ report: InvestigationReport }>(`/api/incidents/${encodeURIComponent(found.id)}/investigation`)
          .then((answer) => setReport(answer.report))
          .catch(() => undefined);
      api<{ items: Delivery[] }>(`/api/deliveries?incident=${encodeURIComponent(found.id)}`)
        .then((answer) => setDeliveries(answer.items))
        .catch(() => setDeliveries([]));
      // Each step of a run notes the incident, so the reload that an incident event triggers also refreshes these.
      await api<{ items: RemediationRun[] }>(`/api/remediations?incident=${encodeURIComponent(found.id)}&limit=50`)
        .then((answer) => setRuns(answer.items))
        .catch(() => setRuns([]));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  useEffect(() => {
    void load();
    api<{ items: Similar[] }>(`/api/incidents/${encodeURIComponent(props.id)}/similar`)
      .then((answer) => setSimilar(answer.items))
      .catch(() => setSimilar([]));
  }, []);
  useEffect(() => {
    // A hot incident changes with every batch: at most one reload per 300 ms.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = live.subscribe((event) => {
      if (event.type !== "reset" && (!detail || event.incidentId !== detail.id)) return;
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 300);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [detail?.id]);

  const act = async (action: string) => {
    if (!detail) return;
    setBusy(true);
    try {
      await api(`/api/incidents/${detail.id}/${action}`, { method: "POST", body: {} });
      setMessage(`${detail.key}: ${action} done.`);
      await load();
    } catch (failure) {
      setMessage(`${action} refused: ${(failure as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const addNote = async (event: Event) => {
    event.preventDefault();
    if (!detail || !note.trim()) return;
    setBusy(true);
    try {
      await api(`/api/incidents/${detail.id}/notes`, { method: "POST", body: { text: note.trim() } });
      setNote("");
      setMessage("Note added; it reaches every linked ticket.");
      await load();
    } catch (failure) {
      setMessage(`Note refused: ${(failure as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  if (error)
    return (
      <section>
        <h1>{props.id}</h1>
        <p class="error" role="alert">
          {error}
        </p>
        <a href="/">Back to incidents</a>
      </section>
    );
  if (!detail) return <p class="loading">Loading {props.id}…</p>;
  const owner = detail.context?.owner;
  const trace = detail.context?.trace;
  const groups = groupSignals(detail.signals);
  return (
    <article class="incident">
      <p>
        <a href="/">← Incidents</a>
      </p>
      <h1>
        <span class="key">{detail.key}</span> {detail.title}
      </h1>
      <dl class="facts">
        <div>
          <dt>Severity</dt>
          <dd>
            <span class={`badge sev-${detail.severity}`}>{detail.severity}</span> {detail.priority}
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>
            <span class={`badge state-${detail.state}`} data-testid="state">
              {detail.state}
            </span>
          </dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{owner ? `${owner.team}${owner.escalation ? ` (${owner.escalation})` : ""}` : "no catalog entry"}</dd>
        </div>
        <div>
          <dt>Runbook</dt>
          <dd>
            {owner?.runbookUrl ? (
              <a href={owner.runbookUrl} target="_blank" rel="noreferrer">
                runbook
              </a>
            ) : (
              "none"
            )}
          </dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>
            {detail.service} · {detail.environment}
          </dd>
        </div>
        <div>
          <dt>Signals</dt>
          <dd>{count(detail.signalCount)}</dd>
        </div>
        <div>
          <dt>First / last seen</dt>
          <dd>
            {time(detail.firstSeenAt)} / {time(detail.lastSeenAt)}
          </dd>
        </div>
      </dl>

      {actor && (
        <section class="actions" aria-label="Actions">
          {(ACTIONS[detail.state] ?? []).map((action) => (
            <button type="button" key={action} disabled={busy} onClick={() => void act(action)}>
              {action[0]?.toUpperCase()}
              {action.slice(1)}
            </button>
          ))}
          <form class="note" onSubmit={addNote}>
            <label for="note">Note</label>
            <input id="note" value={note} onInput={(event) => setNote((event.target as HTMLInputElement).value)} />
            <button type="submit" disabled={busy || !note.trim()}>
              Add note
            </button>
          </form>
        </section>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}

      <div class="columns">
        <section>
          <h2>Summary</h2>
          <p class="summary">{detail.summary}</p>
          <h2>Error pattern</h2>
          <pre class="pattern">{detail.errorPattern || "—"}</pre>

          <h2>Tickets</h2>
          {detail.tickets.length === 0 ? (
            <p>No tickets yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Platform</th>
                  <th scope="col">Ticket</th>
                  <th scope="col">Sync state</th>
                  <th scope="col">Deliveries</th>
                </tr>
              </thead>
              <tbody>
                {detail.tickets.map((ticket) => {
                  const mine = deliveries.filter((d) => d.platform === ticket.platform);
                  const pending = mine.filter((d) => d.status === "pending").length;
                  const dead = mine.filter((d) => d.status === "dead").length;
                  return (
                    <tr key={ticket.platform}>
                      <td>{ticket.platform}</td>
                      <td>
                        {ticket.url ? (
                          <a href={ticket.url} target="_blank" rel="noreferrer">
                            {ticket.externalId}
                          </a>
                        ) : (
                          ticket.externalId
                        )}
                      </td>
                      <td>{ticket.syncedState}</td>
                      <td>
                        {mine.length - pending - dead} delivered
                        {pending ? `, ${pending} pending` : ""}
                        {dead ? `, ${dead} dead` : ""}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}

          <h2>Sampled signals</h2>
          <p>
            The latest {count(detail.signals.length)} of {count(detail.signalCount)} signals, grouped by error pattern:
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Count</th>
                <th scope="col">Severity</th>
                <th scope="col">Source</th>
                <th scope="col">Example message</th>
              </tr>
            </thead>
            <tbody>
              {groups.slice(0, 10).map((group) => (
                <tr key={group.pattern}>
                  <td>{count(group.count)}</td>
                  <td>{group.severity}</td>
                  <td>{group.source}</td>
                  <td class="message">{group.example}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2>Blast radius</h2>
          {trace ? (
            <>
              <p>
                Root cause: {trace.rootCause.service} {trace.rootCause.operation}
                {trace.rootCause.errorMessage ? ` (${trace.rootCause.errorMessage})` : ""}
              </p>
              <ServiceGraph root={trace.rootCause.service} dependents={trace.blastRadius} />
            </>
          ) : (
            <p class="muted">No failing trace is linked to this incident, so no dependent services are known.</p>
          )}

          <h2>Recent changes</h2>
          {detail.context?.changes?.length ? (
            <ul>
              {detail.context.changes.map((change) => (
                <li key={change.id}>
                  {time(change.at)}:{" "}
                  {change.url ? (
                    <a href={change.url} target="_blank" rel="noreferrer">
                      {change.summary}
                    </a>
                  ) : (
                    change.summary
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No deploy or configuration change near this incident.</p>
          )}

          <h2>Similar incidents</h2>
          {similar === null ? (
            <p>Loading…</p>
          ) : similar.length === 0 ? (
            <p>No similar resolved incidents.</p>
          ) : (
            <ul>
              {similar.map((s) => (
                <li key={s.key}>
                  <a href={`/incidents/${s.key}`}>{s.key}</a> {s.title} — {s.resolution || "no resolution recorded"}
                </li>
              ))}
            </ul>
          )}

          <h2>Investigation report</h2>
          {report ? (
            <InvestigationReportView report={report} />
          ) : (
            <p class="muted" data-testid="investigation-none">
              No investigation has reported on this incident yet; its report appears here when one does.
            </p>
          )}
          <h2>Remediation</h2>
          <RemediationRuns runs={runs} canAct={actor} onChanged={load} />
        </section>

        <section>
          <h2>Timeline</h2>
          <ol class="timeline" data-testid="timeline">
            {[...detail.timeline].reverse().map((entry) => (
              <li key={entry.id}>
                <time dateTime={new Date(entry.at).toISOString()}>{time(entry.at)}</time>
                <strong>{entry.action}</strong> <span class="actor">{entry.actor}</span>
                {entry.detail && <div class="detail">{entry.detail}</div>}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </article>
  );
}

interface SignalGroup {
  pattern: string;
  example: string;
  severity: string;
  source: string;
  count: number;
}

function groupSignals(signals: Detail["signals"]): SignalGroup[] {
  const groups = new Map<string, SignalGroup>();
  for (const signal of signals) {
    const pattern = signal.errorPattern || signal.message;
    const group = groups.get(pattern) ?? {
      pattern,
      example: signal.message,
      severity: signal.severity,
      source: signal.source,
      count: 0,
    };
    group.count++;
    groups.set(pattern, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

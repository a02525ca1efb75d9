import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api.ts";
import { count, duration } from "../format.ts";
import { live } from "../live.ts";

interface Overview {
  funnel: { signals: number; gated: number; deduplicated: number; incidents: number; deliveries: number };
  signalToTicketSeconds: { count: number; p50: number | null; p90: number | null; p99: number | null };
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  noiseReduction: number;
  deadLetters: number;
}

/** GET /api/remediations/stats, per playbook. */
interface PlaybookStats {
  playbook: string;
  runs: number;
  verified: number;
  failed: number;
  rolledBack: number;
  succeeded: number;
  successRate: number | null;
}

interface DeadLetter {
  id: string;
  incidentId: string;
  platform: string;
  action: string;
  attempts: number;
  lastError: string | null;
}

export function OverviewPage(props: { session: Session }) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [dead, setDead] = useState<DeadLetter[]>([]);
  const [healing, setHealing] = useState<PlaybookStats[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = () =>
    Promise.all([
      api<Overview>("/api/stats/overview"),
      api<{ items: DeadLetter[] }>("/api/deliveries?status=dead&limit=100"),
      api<{ playbooks: PlaybookStats[] }>("/api/remediations/stats"),
    ])
      .then(([figures, letters, stats]) => {
        setOverview(figures);
        setDead(letters.items);
        setHealing(stats.playbooks);
        setError(null);
      })
      .catch((failure: Error) => setError(`Could not load the overview: ${failure.message}`));
  useEffect(() => {
    void load();
    // Committed batches and queued deliveries move the figures; at most one reload a second.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = live.subscribe(() => {
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 1000);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, []);

  const retry = async (id: string) => {
    try {
      await api(`/api/deliveries/${id}/retry`, { method: "POST" });
      setMessage(`Delivery ${id} is queued again.`);
      await load();
    } catch (failure) {
      setMessage(`Retry refused: ${(failure as Error).message}`);
    }
  };

  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!overview) return <p class="loading">Loading…</p>;
  const f = overview.funnel;
  const steps = [
    ["Signals", f.signals],
    ["Gated", f.gated],
    ["Deduplicated", f.deduplicated],
    ["Incidents", f.incidents],
    ["Deliveries", f.deliveries],
  ] as const;
  const widest = Math.max(1, ...steps.map(([, value]) => value));
  const latency = overview.signalToTicketSeconds;
  // The same ratio as each playbook's successRate (succeeded ÷ concluded runs), over every playbook.
  const concluded = healing.reduce((total, p) => total + p.verified + p.failed, 0);
  const succeeded = healing.reduce((total, p) => total + p.succeeded, 0);
  const executed = healing.filter((p) => p.runs > 0);
  return (
    <section class="overview">
      <h1>Overview</h1>
      <p class="muted">Since this Sluice process started (dead letters: all in the store).</p>
      <h2>Funnel</h2>
      <ol class="funnel">
        {steps.map(([label, value]) => (
          <li key={label}>
            <span class="funnel-label">{label}</span>
            <span class="bar" style={{ width: `${Math.max(1, (value / widest) * 100)}%` }} />
            <span class="funnel-value">{count(value)}</span>
          </li>
        ))}
      </ol>
      <div class="tiles">
        <Tile label="Noise reduction" value={`${(overview.noiseReduction * 100).toFixed(1)}%`} />
        <Tile label="Signal → ticket p50" value={duration(latency.p50)} />
        <Tile label="Signal → ticket p90" value={duration(latency.p90)} />
        <Tile label="Signal → ticket p99" value={duration(latency.p99)} />
        <Tile label="MTTA" value={duration(overview.mttaSeconds)} />
        <Tile label="MTTR" value={duration(overview.mttrSeconds)} />
        <Tile label="Dead letters" value={count(overview.deadLetters)} />
        <Tile label="Self-healing success" value={concluded ? `${((succeeded / concluded) * 100).toFixed(0)}%` : "no runs yet"} />
      </div>
      <h2>Self-healing</h2>
      {executed.length === 0 ? (
        <p data-testid="healing-none">No remediation runs yet.</p>
      ) : (
        <table data-testid="healing">
          <thead>
            <tr>
              <th scope="col">Playbook</th>
              <th scope="col">Runs</th>
              <th scope="col">Verified</th>
              <th scope="col">Failed</th>
              <th scope="col">Rolled back</th>
              <th scope="col">Success rate</th>
            </tr>
          </thead>
          <tbody>
            {executed.map((p) => (
              <tr key={p.playbook}>
                <td>{p.playbook}</td>
                <td>{count(p.runs)}</td>
                <td>{count(p.verified)}</td>
                <td>{count(p.failed)}</td>
                <td>{count(p.rolledBack)}</td>
                <td>{p.successRate === null ? "not concluded yet" : `${(p.successRate * 100).toFixed(0)}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Dead letters</h2>
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {dead.length === 0 ? (
        <p>No dead letters.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Action</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span class="sr-only">Retry</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {dead.map((letter) => (
              <tr key={letter.id}>
                <td>{letter.platform}</td>
                <td>
                  <a href={`/incidents/${letter.incidentId}`}>{letter.action}</a>
                </td>
                <td>{letter.attempts}</td>
                <td class="message">{letter.lastError ?? "—"}</td>
                <td>
                  {props.session.role === "admin" && (
                    <button type="button" onClick={() => void retry(letter.id)}>
                      Retry
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Tile(props: { label: string; value: string }) {
  return (
    <div class="tile">
      <div class="tile-value">{props.value}</div>
      <div class="tile-label">{props.label}</div>
    </div>
  );
}

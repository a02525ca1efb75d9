import { useState } from "preact/hooks";
import { ApiError, api } from "../api.ts";
import { time } from "../format.ts";

/** The fields of GET /api/remediations the console shows. */
export interface RemediationRun {
  id: string;
  playbook: string;
  mode: string;
  state: string;
  plan: string;
  detail: string;
  approvedBy: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * An incident's remediation runs. Approve and Reject appear only for a role the server would accept them from
 * (`canAct`), and only on runs awaiting approval; the server decides (a 409 when someone got there first).
 */
export function RemediationRuns(props: { runs: RemediationRun[] | null; canAct: boolean; onChanged: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [reasons, setReasons] = useState<Record<string, string>>({});

  const decide = async (run: RemediationRun, verb: "approve" | "reject") => {
    setBusy(true);
    try {
      const reason = reasons[run.id]?.trim();
      const after = await api<RemediationRun>(`/api/remediations/${encodeURIComponent(run.id)}/${verb}`, {
        method: "POST",
        body: verb === "reject" && reason ? { reason } : {},
      });
      setMessage(`${run.playbook}: ${verb === "approve" ? "approved" : "rejected"}; the run is now ${after.state}.`);
      await props.onChanged();
    } catch (failure) {
      setMessage(
        failure instanceof ApiError && failure.status === 409
          ? `${run.playbook} could not be ${verb}d: it is no longer awaiting approval (${failure.message}). The list below is current.`
          : `${verb} refused: ${(failure as Error).message}`,
      );
      await props.onChanged();
    } finally {
      setBusy(false);
    }
  };

  if (props.runs === null) return <p class="muted">Loading remediation runs…</p>;
  return (
    <div data-testid="remediation">
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {props.runs.length === 0 ? (
        <p class="muted">No playbook has matched this incident.</p>
      ) : (
        <ul class="runs">
          {props.runs.map((run) => (
            <li key={run.id} class="run" data-run={run.id}>
              <div>
                <strong>{run.playbook}</strong>{" "}
                <span class={`badge run-${run.state}`} data-testid="run-state">
                  {run.state}
                </span>{" "}
                <span class="muted">
                  {run.mode} · {time(run.createdAt)}
                  {run.approvedBy ? ` · approved by ${run.approvedBy}` : ""}
                </span>
              </div>
              <div class="detail">
                {run.state === "awaiting-approval" || run.state === "dry-run" ? "Would run: " : "Runs: "}
                <code>{run.plan}</code>
              </div>
              {run.detail && <div class="detail">{run.detail}</div>}
              {props.canAct && run.state === "awaiting-approval" && (
                <div class="run-actions">
                  <button type="button" disabled={busy} onClick={() => void decide(run, "approve")}>
                    Approve
                  </button>
                  <label for={`reason-${run.id}`}>Reason</label>
                  <input
                    id={`reason-${run.id}`}
                    value={reasons[run.id] ?? ""}
                    onInput={(event) => setReasons({ ...reasons, [run.id]: (event.target as HTMLInputElement).value })}
                  />
                  <button type="button" class="ghost" disabled={busy} onClick={() => void decide(run, "reject")}>
                    Reject
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

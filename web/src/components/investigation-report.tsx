import { time } from "../format.ts";

/** The report as GET /api/incidents/:id/investigation returns it (src/core/investigation.ts). */
export interface InvestigationReport {
  version: number;
  trigger: string;
  startedAt: number;
  finishedAt: number;
  outcome: "hypothesis" | "abstained" | "failed" | "out-of-budget";
  reason: string | null;
  hypotheses: { component: string; confidence: number; statement: string; evidence: string[] }[];
  evidence: { id: string; source: string; query: string; summary: string; link: string | null }[];
  steps: { collector: string; query: string; status: string; items: number; ms: number; note: string | null }[];
  actions: { kind: string; text: string; link: string | null; evidence: string[] }[];
  rootCause: string | null;
}

const OUTCOME: Record<InvestigationReport["outcome"], string> = {
  hypothesis: "Probable cause found",
  abstained: "No cause asserted (abstained)",
  failed: "Investigation failed",
  "out-of-budget": "Stopped at its budget",
};

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** Evidence ids as links to their items further down the report. */
function Cited(props: { ids: string[] }) {
  if (!props.ids.length) return null;
  return (
    <span class="cited">
      {" "}
      (evidence:{" "}
      {props.ids.map((id, index) => (
        <span key={id}>
          {index ? ", " : ""}
          <a href={`#evidence-${id}`}>{id}</a>
        </span>
      ))}
      )
    </span>
  );
}

/** What the investigation concluded: hypotheses with their evidence, or why it abstained; steps; what to do. */
export function InvestigationReportView(props: { report: InvestigationReport }) {
  const { report } = props;
  return (
    <div class="investigation" data-testid="investigation">
      <p>
        <strong data-testid="investigation-outcome">{OUTCOME[report.outcome] ?? report.outcome}</strong> · version{" "}
        {report.version} ({report.trigger}, {time(report.finishedAt)})
      </p>
      {report.rootCause && (
        <p>
          Root cause: <strong>{report.rootCause}</strong>
        </p>
      )}
      {report.reason && <p class="muted">Why: {report.reason}</p>}
      {report.hypotheses.length > 0 && (
        <>
          <h3>Hypotheses</h3>
          <ol>
            {report.hypotheses.map((hypothesis, index) => (
              <li key={`${hypothesis.component}-${index}`}>
                <strong>{hypothesis.component}</strong> {percent(hypothesis.confidence)}: {hypothesis.statement}
                <Cited ids={hypothesis.evidence} />
              </li>
            ))}
          </ol>
        </>
      )}
      {report.actions.length > 0 && (
        <>
          <h3>Recommended steps</h3>
          <ol>
            {report.actions.map((action, index) => (
              <li key={`${action.kind}-${index}`}>
                <span class="muted">{action.kind}:</span>{" "}
                {action.link ? (
                  <a href={action.link} target="_blank" rel="noreferrer">
                    {action.text}
                  </a>
                ) : (
                  action.text
                )}
                <Cited ids={action.evidence} />
              </li>
            ))}
          </ol>
        </>
      )}
      {report.evidence.length > 0 && (
        <>
          <h3>Evidence</h3>
          <ul>
            {report.evidence.map((item) => (
              <li key={item.id} id={`evidence-${item.id}`}>
                <span class="muted">
                  {item.id} · {item.source}:
                </span>{" "}
                {item.link ? (
                  <a href={item.link} target="_blank" rel="noreferrer">
                    {item.summary}
                  </a>
                ) : (
                  item.summary
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary>
          {report.steps.length} step{report.steps.length === 1 ? "" : "s"} executed
        </summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Collector</th>
              <th scope="col">Status</th>
              <th scope="col">Items</th>
              <th scope="col">Time</th>
              <th scope="col">Query</th>
            </tr>
          </thead>
          <tbody>
            {report.steps.map((step, index) => (
              <tr key={`${step.collector}-${index}`}>
                <td>{step.collector}</td>
                <td>
                  {step.status}
                  {step.note ? ` (${step.note})` : ""}
                </td>
                <td>{step.items}</td>
                <td>{step.ms} ms</td>
                <td class="message">{step.query}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, canAct, type Session } from "../api.ts";
import { VirtualList } from "../components/virtual-list.tsx";
import {
  type Filters,
  filtersFromQuery,
  matches,
  queryFromFilters,
  type Row,
  SEVERITIES,
  SINCE_CHOICES,
  STATES,
} from "../filters.ts";
import { ago, count } from "../format.ts";
import { type ApiIncident, loadAll, MAX_ROWS, toRow } from "../incidents-model.ts";
import { live } from "../live.ts";
import { navigate } from "../router.ts";

const ROW_HEIGHT = 44;
/** Changed incidents fetched again per 200 ms at most. */
const CHUNK = 50;
const TYPING_PAUSE_MS = 250;

export function IncidentsPage(props: { session: Session; search: string }) {
  const filters = useMemo(() => filtersFromQuery(props.search), [props.search]);
  const [rows, setRows] = useState<Map<string, Row>>(new Map());
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const actor = canAct(props.session.role);

  // Typing narrows the loaded rows at once; the server is asked again once typing pauses.
  const [serverText, setServerText] = useState(filters.text.trim());
  useEffect(() => {
    const timer = setTimeout(() => setServerText(filters.text.trim()), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [filters.text]);

  // The server applies every filter; a change of one loads the list again.
  const serverKey = `${filters.states}|${filters.severities}|${filters.service}|${filters.team}|${filters.since}|${serverText}`;
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(null);
    const collected = new Map<string, Row>();
    loadAll(
      { ...filters, text: serverText },
      (page, done) => {
        for (const row of page) collected.set(row.id, row);
        setRows(new Map(collected));
        if (done) setLoading(false);
      },
      () => cancelled,
    ).catch((failure: Error) => {
      setError(`Could not load incidents: ${failure.message}`);
      setLoading(false);
    });
    return () => {
      cancelled = true;
    };
  }, [serverKey, generation]);

  // Live: changed incidents are fetched again, at most CHUNK of them per 200 ms, so a storm of changes
  // makes the list lag a little instead of flooding the API; a reset (events were missed) reloads it.
  const pending = useRef(new Set<string>());
  useEffect(() => {
    const timer: { pending: ReturnType<typeof setTimeout> | null } = { pending: null };
    const schedule = () => {
      timer.pending ??= setTimeout(() => void flush(), 200);
    };
    const flush = async () => {
      const ids = [...pending.current].slice(0, CHUNK);
      for (const id of ids) pending.current.delete(id);
      const fetched = await Promise.all(ids.map((id) => api<ApiIncident>(`/api/incidents/${id}`).catch(() => null)));
      setRows((current) => {
        const next = new Map(current);
        for (const incident of fetched) if (incident) next.set(incident.id, toRow(incident));
        return next;
      });
      timer.pending = null;
      if (pending.current.size) schedule();
    };
    const stop = live.subscribe((event) => {
      if (event.type === "reset") {
        pending.current.clear();
        setGeneration((g) => g + 1);
        return;
      }
      if (!event.incidentId) return;
      pending.current.add(event.incidentId);
      schedule();
    });
    return () => {
      stop();
      if (timer.pending) clearTimeout(timer.pending);
    };
  }, []);

  const now = Date.now();
  const shown = useMemo(
    () => [...rows.values()].filter((row) => matches(row, filters, now)).sort((a, b) => b.number - a.number),
    [rows, filters],
  );
  const teams = useMemo(() => [...new Set([...rows.values()].map((r) => r.team).filter(Boolean))].sort(), [rows]);
  const services = useMemo(() => [...new Set([...rows.values()].map((r) => r.service))].sort(), [rows]);

  const setFilters = (change: Partial<Filters>, replace = false) => {
    navigate(`/${queryFromFilters({ ...filters, ...change })}`, replace);
  };
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

  const bulk = async (action: "acknowledge" | "resolve") => {
    const ids = [...selected];
    let done = 0;
    const refused: string[] = [];
    // A few at a time: each is one transition with its own deliveries.
    for (let start = 0; start < ids.length; start += 4) {
      await Promise.all(
        ids.slice(start, start + 4).map(async (id) => {
          try {
            const incident = await api<ApiIncident>(`/api/incidents/${id}/${action}`, { method: "POST", body: {} });
            done++;
            setRows((current) => new Map(current).set(incident.id, toRow(incident)));
          } catch (failure) {
            refused.push(`${rows.get(id)?.key ?? id}: ${(failure as Error).message}`);
          }
        }),
      );
    }
    setSelected(new Set());
    const verb = action === "acknowledge" ? "acknowledged" : "resolved";
    setOutcome(`${done} ${verb}${refused.length ? `; ${refused.length} refused (${refused.slice(0, 3).join("; ")})` : ""}.`);
  };

  return (
    <section class="incidents">
      <h1>Incidents</h1>
      <form class="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <fieldset>
          <legend>State</legend>
          {STATES.map((state) => (
            <label key={state} class="chip">
              <input
                type="checkbox"
                name="state"
                value={state}
                checked={filters.states.includes(state)}
                onChange={() => setFilters({ states: toggle(filters.states, state) })}
              />
              {state}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Severity</legend>
          {SEVERITIES.map((severity) => (
            <label key={severity} class="chip">
              <input
                type="checkbox"
                name="severity"
                value={severity}
                checked={filters.severities.includes(severity)}
                onChange={() => setFilters({ severities: toggle(filters.severities, severity) })}
              />
              {severity}
            </label>
          ))}
        </fieldset>
        <label>
          Service
          <input
            name="service"
            list="services"
            value={filters.service}
            onChange={(event) => setFilters({ service: (event.target as HTMLInputElement).value.trim() })}
          />
          <datalist id="services">
            {services.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
        <label>
          Team
          <input
            name="team"
            list="teams"
            value={filters.team}
            onChange={(event) => setFilters({ team: (event.target as HTMLInputElement).value.trim() })}
          />
          <datalist id="teams">
            {teams.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </label>
        <label>
          Since
          <select
            name="since"
            value={filters.since}
            onChange={(event) => setFilters({ since: (event.target as HTMLSelectElement).value as Filters["since"] })}
          >
            {Object.entries(SINCE_CHOICES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input
            name="q"
            type="search"
            value={filters.text}
            onInput={(event) => setFilters({ text: (event.target as HTMLInputElement).value }, true)}
          />
        </label>
      </form>

      <div class="listbar">
        <span role="status" data-testid="count">
          {loading ? "Loading… " : ""}
          {count(shown.length)} incident{shown.length === 1 ? "" : "s"}
          {rows.size >= MAX_ROWS ? ` (the first ${count(MAX_ROWS)}: narrow the filters)` : ""}
        </span>
        {actor && (
          <span class="bulk">
            <span>{selected.size} selected</span>
            <button type="button" disabled={!selected.size} onClick={() => void bulk("acknowledge")}>
              Acknowledge selected
            </button>
            <button type="button" disabled={!selected.size} onClick={() => void bulk("resolve")}>
              Resolve selected
            </button>
          </span>
        )}
      </div>
      {outcome && (
        <p class="notice" role="status">
          {outcome}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="rowhead" aria-hidden="true">
        {actor && <span class="c-check" />}
        <span class="c-key">Key</span>
        <span class="c-sev">Severity</span>
        <span class="c-state">State</span>
        <span class="c-title">Title</span>
        <span class="c-svc">Service</span>
        <span class="c-team">Team</span>
        <span class="c-count">Signals</span>
        <span class="c-seen">Last seen</span>
      </div>
      {shown.length === 0 && !loading ? (
        <p class="empty">No incidents match these filters.</p>
      ) : (
        <VirtualList
          items={shown}
          rowHeight={ROW_HEIGHT}
          label="Incident list"
          keyOf={(row) => row.id}
          row={(row) => (
            <div class="incident-row" data-key={row.key}>
              {actor && (
                <span class="c-check">
                  <input
                    type="checkbox"
                    aria-label={`Select ${row.key}`}
                    checked={selected.has(row.id)}
                    onChange={() => {
                      const next = new Set(selected);
                      if (next.has(row.id)) next.delete(row.id);
                      else next.add(row.id);
                      setSelected(next);
                    }}
                  />
                </span>
              )}
              <a class="c-key" href={`/incidents/${row.key}`}>
                {row.key}
              </a>
              <span class={`c-sev badge sev-${row.severity}`}>{row.severity}</span>
              <span class={`c-state badge state-${row.state}`}>{row.state}</span>
              <span class="c-title" title={row.title}>
                {row.title}
              </span>
              <span class="c-svc">{row.service}</span>
              <span class="c-team">{row.team || "—"}</span>
              <span class="c-count">{count(row.signalCount)}</span>
              <span class="c-seen">{ago(row.lastSeenAt, now)}</span>
            </div>
          )}
        />
      )}
    </section>
  );
}

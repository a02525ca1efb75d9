/**
 * The blast radius as a small service graph: the root-cause service in the middle, the services that
 * depend on it around it, each edge labelled with the share of that service's traffic through the root.
 */
export function ServiceGraph(props: { root: string; dependents: readonly { service: string; share: number }[] }) {
  const width = 520;
  const height = 260;
  const cx = width / 2;
  const cy = height / 2;
  const shown = props.dependents.slice(0, 10);
  const radius = 95;
  const nodes = shown.map((dependent, index) => {
    const angle = (2 * Math.PI * index) / Math.max(shown.length, 1) - Math.PI / 2;
    return { ...dependent, x: cx + Math.cos(angle) * radius * 2, y: cy + Math.sin(angle) * radius };
  });
  const description = `${props.root} is the root cause; ${
    shown.length ? shown.map((d) => `${d.service} (${Math.round(d.share * 100)}% of its traffic)`).join(", ") : "no other service"
  } depend${shown.length === 1 ? "s" : ""} on it.`;
  return (
    <svg class="graph" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="graph-title graph-desc">
      <title id="graph-title">Blast radius of {props.root}</title>
      <desc id="graph-desc">{description}</desc>
      {nodes.map((node) => (
        <g key={`edge-${node.service}`}>
          <line x1={node.x} y1={node.y} x2={cx} y2={cy} class="edge" />
          <text x={(node.x + cx) / 2} y={(node.y + cy) / 2 - 4} class="edge-label">
            {Math.round(node.share * 100)}%
          </text>
        </g>
      ))}
      {nodes.map((node) => (
        <g key={node.service}>
          <rect x={node.x - 55} y={node.y - 14} width="110" height="28" rx="6" class="node" />
          <text x={node.x} y={node.y + 5} class="node-label">
            {node.service.length > 14 ? `${node.service.slice(0, 13)}…` : node.service}
          </text>
        </g>
      ))}
      <rect x={cx - 60} y={cy - 16} width="120" height="32" rx="6" class="node root" />
      <text x={cx} y={cy + 5} class="node-label root-label">
        {props.root}
      </text>
    </svg>
  );
}

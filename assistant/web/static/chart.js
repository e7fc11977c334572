// The move chart: drawn only from an answer's `facts` (never from its prose), so every bar is a number the
// answer can prove. Contributions are percentage points of the index return (constituent_contribution_pp);
// the ETF's and the index's own moves (etf_return_pct, index_return_pct) are shown above them on their own
// scale. Bars in the direction of the index move come first, largest first; the other direction follows.

const TOP = 5;

/** The chart's data, or null when the answer holds no contribution facts (then no chart is drawn). */
export function moveData(facts) {
  const contributions = facts.filter((f) => f.name === "constituent_contribution_pp");
  if (!contributions.length) return null;
  const one = (name) => facts.find((f) => f.name === name) || null;
  const byCode = new Map();
  for (const f of contributions) byCode.set(f.subject, f); // one bar per stock
  const all = [...byCode.values()];
  const up = all.filter((f) => f.value > 0).sort((a, b) => b.value - a.value).slice(0, TOP);
  const down = all.filter((f) => f.value < 0).sort((a, b) => a.value - b.value).slice(0, TOP);
  const index = one("index_return_pct");
  const falling = index ? index.value < 0 : false;
  return {
    etf: one("etf_return_pct"),
    index,
    groups: falling ? [["down", down], ["up", up]] : [["up", up], ["down", down]],
    asOf: (index || contributions[0]).as_of,
  };
}

/** A <figure> for `data`; `t` translates, `label(code)` names a stock. Widths are set through the CSSOM,
 * which a strict style-src CSP allows (inline style attributes would be blocked). */
export function renderChart(data, t, label) {
  const fig = el("figure", "chart");
  const cap = el("figcaption", "chart-title", t("chartTitle"));
  const asOf = el("span", "chart-asof", `${t("asOf")} ${data.asOf}`);
  cap.append(" ", asOf);
  fig.append(cap);

  const moves = [data.etf && [`${t("etf")} ${data.etf.subject}`, data.etf],
    data.index && [`${t("index")} ${data.index.subject}`, data.index]].filter(Boolean);
  if (moves.length) {
    const scale = Math.max(...moves.map(([, f]) => Math.abs(f.value)), 1e-9);
    const box = el("div", "bars moves");
    for (const [name, f] of moves) box.append(row(name, f.value, scale, `${signed(f.value)}%`));
    fig.append(box);
  }
  const bars = data.groups.flatMap(([, list]) => list);
  const scale = Math.max(...bars.map((f) => Math.abs(f.value)), 1e-9);
  for (const [direction, list] of data.groups) {
    if (!list.length) continue;
    const group = el("div", `bars group ${direction}`);
    group.append(el("h4", "group-title", t(direction === "up" ? "pulledUp" : "draggedDown")));
    for (const f of list) group.append(row(label(f.subject), f.value, scale, signed(f.value)));
    fig.append(group);
  }
  fig.setAttribute("aria-label", t("chartTitle"));
  return fig;
}

function row(name, value, scale, text) {
  const r = el("div", `bar-row ${value < 0 ? "neg" : "pos"}`);
  const track = el("span", "bar-track");
  const bar = el("span", "bar");
  bar.style.width = `${Math.max(2, (Math.abs(value) / scale) * 100).toFixed(1)}%`;
  track.append(bar);
  r.append(el("span", "bar-label", name), track, el("span", "bar-value", text));
  return r;
}

export function signed(value, digits = 2) {
  const s = Math.abs(value).toFixed(digits);
  return value > 0 ? `+${s}` : value < 0 ? `−${s}` : s;
}

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

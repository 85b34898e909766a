// The timeline (incidents per day by grade, with a brush that sets the time
// filter) and the violations per party per day.

import { DAY, GRADE_COLORS, PARTY_COLORS, $, applyFilters, dayOf, dayRange, secondsOf, state, svg } from "/common.js";
import { t } from "/i18n.js";

export function renderTimeline() {
  const chart = $("#timeline");
  const context = applyFilters(true);
  const range = dayRange(context);
  chart.replaceChildren();
  $("#party-chart").replaceChildren();
  if (!range) return;
  const c = state.data.incidents;
  const grades = state.data.grades.length;
  const counts = new Array(range.days * grades).fill(0);
  for (const i of context) counts[(Math.floor(c.from[i] / DAY) - range.first) * grades + c.grade[i]]++;
  const width = chart.clientWidth || 600;
  const height = chart.clientHeight || 110;
  const barWidth = width / range.days;
  let peak = 1;
  for (let d = 0; d < range.days; d++) {
    let sum = 0;
    for (let g = 0; g < grades; g++) sum += counts[d * grades + g];
    peak = Math.max(peak, sum);
  }
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const plot = height - 16;
  const top = 14;
  for (let d = 0; d < range.days; d++) {
    let y = plot;
    for (let g = 0; g < grades; g++) {
      const n = counts[d * grades + g];
      if (!n) continue;
      const h = (n / peak) * (plot - top);
      y -= h;
      chart.append(
        svg("rect", { x: d * barWidth, y, width: Math.max(1, barWidth - 1), height: h, fill: GRADE_COLORS[state.data.grades[g]] }, undefined),
      );
    }
  }
  const first = dayOf(range.first * DAY);
  const last = dayOf((range.first + range.days - 1) * DAY);
  chart.append(svg("text", { x: 2, y: height - 3, "font-size": 10, fill: "#57606a" }, first));
  chart.append(svg("text", { x: width - 2, y: height - 3, "font-size": 10, "text-anchor": "end", fill: "#57606a" }, last));
  chart.append(svg("text", { x: width - 2, y: 10, "font-size": 10, "text-anchor": "end", fill: "#57606a" }, t("dash-timeline-peak", { count: peak })));
  // The time filter, drawn as the brush.
  if (state.filters.from || state.filters.to) {
    const a = state.filters.from ? (secondsOf(state.filters.from) / DAY - range.first) * barWidth : 0;
    const b = state.filters.to ? (secondsOf(state.filters.to) / DAY - range.first + 1) * barWidth : width;
    chart.append(svg("rect", { class: "brush", x: Math.max(0, a), y: 0, width: Math.max(1, b - a), height: plot }));
  }
  chart.dataset.first = String(range.first);
  chart.dataset.days = String(range.days);
  renderPartyChart(context, range);
}

function renderPartyChart(context, range) {
  const chart = $("#party-chart");
  const c = state.data.incidents;
  const parties = state.data.parties.length;
  const counts = new Array(range.days * parties).fill(0);
  for (const i of context) {
    if (c.party[i] >= 0 && c.violations[i].length) counts[(Math.floor(c.from[i] / DAY) - range.first) * parties + c.party[i]]++;
  }
  const width = chart.clientWidth || 600;
  const height = chart.clientHeight || 70;
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const peak = Math.max(1, ...counts);
  const step = width / range.days;
  // The parties' labels side by side, each as wide as its words in the
  // reader's language.
  let labelX = 4;
  state.data.parties.forEach((party, p) => {
    const points = [];
    for (let d = 0; d < range.days; d++) {
      points.push(`${d * step + step / 2},${height - 4 - (counts[d * parties + p] / peak) * (height - 16)}`);
    }
    const color = PARTY_COLORS[p % PARTY_COLORS.length];
    chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 1.5 }));
    const label = svg("text", { x: labelX, y: 10, "font-size": 10, fill: color }, t("dash-party-violations", { party: party.toUpperCase() }));
    chart.append(label);
    labelX += label.getComputedTextLength() + 12;
  });
}

/** Dragging across the timeline sets the time filter; a click without a
 * drag clears it. `changed` is called after either. */
export function setUpBrush(changed) {
  const chart = $("#timeline");
  let start = null;
  const dayAt = (event) => {
    const rect = chart.getBoundingClientRect();
    const days = Number(chart.dataset.days);
    const x = Math.max(0, Math.min(rect.width - 1, event.clientX - rect.left));
    return Number(chart.dataset.first) + Math.floor((x / rect.width) * days);
  };
  chart.addEventListener("pointerdown", (e) => {
    if (!chart.dataset.days) return;
    start = { day: dayAt(e), x: e.clientX };
    chart.setPointerCapture(e.pointerId);
  });
  chart.addEventListener("pointerup", (e) => {
    if (start === null) return;
    const dragged = Math.abs(e.clientX - start.x) > 3;
    const [a, b] = [Math.min(start.day, dayAt(e)), Math.max(start.day, dayAt(e))];
    start = null;
    state.filters.from = dragged ? dayOf(a * DAY) : undefined;
    state.filters.to = dragged ? dayOf(b * DAY) : undefined;
    changed();
  });
}

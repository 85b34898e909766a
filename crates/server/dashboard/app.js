// The Truce dashboard: a map, a timeline and lists of what the log says,
// filters kept in the URL, and in-browser verification of every entry an
// incident rests on. Everything it loads comes from the server it was
// served by: it works with no internet at all.

import { keyRef, parsePolicy, parseVerifierKey, verifyEntry, verifyPasted } from "/verify.js";

const GRADE_COLORS = {
  verified: "#0b6e4f",
  probable: "#1f5f99",
  reported: "#d08c00",
  contested: "#7b2d8e",
  discounted: "#8c959f",
};
const PARTY_COLORS = ["#b35806", "#542788", "#1b7837", "#c51b7d", "#2166ac", "#8c510a"];
const FILTERS = ["party", "grade", "rule", "kind", "target", "source", "from", "to"];
const DAY = 86400;
const LIST_ROWS = 200;

const state = {
  data: null, // /v1/dashboard
  log: null, // /v1/log
  sources: [], // /v1/sources
  agreements: [], // agreement entries
  countries: null,
  oblasts: null,
  keys: null, // verification context
  filters: {},
  filtered: new Int32Array(0),
};

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function getBytes(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const label = (text) => (text || "").replaceAll("_", " ");
const dayOf = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);
const secondsOf = (day) => Date.parse(`${day}T00:00:00Z`) / 1000;
const when = (iso) => iso.replace("T", " ").replace(/:00Z$/, " UTC").replace(/Z$/, " UTC");

// ---------------------------------------------------------------- loading

async function load() {
  const [log, data, sources, countries, oblasts] = await Promise.all([
    getJson("/v1/log"),
    getJson("/v1/dashboard"),
    getJson("/v1/sources"),
    getJson("/map/countries.geojson"),
    getJson("/map/oblasts.geojson"),
  ]);
  Object.assign(state, { log, data, sources: sources.sources, countries, oblasts });
  state.agreements = await allAgreements();
  // Every key each source has signed with, current or rotated away, by
  // key name and ID.
  const sourceKeys = new Map();
  for (const s of state.sources) {
    for (const text of [s.key, ...(s.previous_keys || [])]) {
      try {
        const key = await parseVerifierKey(text);
        sourceKeys.set(keyRef(key.name, key.id), key);
      } catch (e) {
        console.warn(`source ${s.source}: ${e.message}`);
      }
    }
  }
  const witnesses = [];
  for (const w of log.witnesses || []) {
    witnesses.push(await parseVerifierKey(w.vkey));
  }
  state.keys = { fetchBytes: getBytes, logKey: await parseVerifierKey(log.vkey), sourceKeys, witnesses, policy: null };
  const saved = localStorage.getItem(POLICY_KEY);
  if (saved) {
    try {
      state.keys.policy = await parsePolicy(saved);
    } catch (e) {
      console.warn(`the saved witness policy: ${e.message}`);
    }
  }
}

const POLICY_KEY = "truce.witness-policy";

async function allAgreements() {
  const agreements = [];
  let cursor = "";
  for (;;) {
    const page = await getJson(`/v1/agreements?limit=1000${cursor}`);
    agreements.push(...page.agreements);
    if (!page.next_cursor) return agreements;
    cursor = `&cursor=${page.next_cursor}`;
  }
}

// ---------------------------------------------------------------- filters

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const filters = {};
  for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);
  return { view: params.get("view") || (params.get("incident") ? "incident" : "map"), incident: params.get("incident"), filters };
}

function writeHash(view, extra = {}) {
  const params = new URLSearchParams({ view });
  for (const [k, v] of Object.entries(state.filters)) if (v) params.set(k, v);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const hash = `#${params}`;
  if (hash !== location.hash) history.pushState(null, "", hash);
}

/** The incidents passing the filters; `withoutTime` ignores from/to. */
function applyFilters(withoutTime = false) {
  const { data, filters } = state;
  const c = data.incidents;
  const find = (list, name) => (filters[name] ? list.indexOf(filters[name]) : -2);
  const party = find(data.parties, "party");
  const grade = find(data.grades, "grade");
  const rule = find(data.rules, "rule");
  const kind = find(data.kinds, "kind");
  const target = find(data.targets, "target");
  const source = find(data.sources, "source");
  const from = !withoutTime && filters.from ? secondsOf(filters.from) : -Infinity;
  const to = !withoutTime && filters.to ? secondsOf(filters.to) + DAY : Infinity;
  const out = new Int32Array(c.id.length);
  let n = 0;
  for (let i = 0; i < c.id.length; i++) {
    if (party !== -2 && c.party[i] !== party) continue;
    if (grade !== -2 && c.grade[i] !== grade) continue;
    if (rule !== -2 && !c.violations[i].includes(rule)) continue;
    if (kind !== -2 && !c.kinds[i].includes(kind)) continue;
    if (target !== -2 && !c.targets[i].includes(target)) continue;
    if (source !== -2 && !c.sources[i].includes(source)) continue;
    if (c.to[i] < from || c.from[i] >= to) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

function fillSelect(name, values, describe = label) {
  const select = $(`#filters [name=${name}]`);
  select.replaceChildren(el("option", { value: "", text: "Any" }));
  for (const v of values) select.append(el("option", { value: v, text: describe(v) }));
}

let filtersWired = false;

/** Fills the filters' choices from the data; wires them the first time. */
function setUpFilters() {
  const { data } = state;
  const sourceName = new Map(state.sources.map((s) => [s.source, s.name]));
  fillSelect("party", data.parties, (p) => p.toUpperCase());
  fillSelect("grade", data.grades);
  fillSelect("rule", data.rules);
  fillSelect("kind", data.kinds);
  fillSelect("target", data.targets);
  fillSelect("source", data.sources, (s) => `${sourceName.get(s) || s} (${s})`);
  $("#legend").replaceChildren(
    ...data.grades.map((g) => el("li", {}, el("span", { class: "swatch", style: `background:${GRADE_COLORS[g]}` }), label(g))),
  );
  if (filtersWired) return;
  filtersWired = true;
  const form = $("#filters");
  form.addEventListener("change", () => {
    for (const name of FILTERS) state.filters[name] = form.elements[name].value || undefined;
    writeHash("map");
    renderMap();
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    state.filters = {};
    writeHash("map");
    route();
  });
  $("#export-geojson").addEventListener("click", (e) => download(e, "application/geo+json", exportGeoJson()));
  $("#export-csv").addEventListener("click", (e) => download(e, "text/csv", exportCsv()));
}

function syncForm() {
  const form = $("#filters");
  for (const name of FILTERS) form.elements[name].value = state.filters[name] || "";
}

// ---------------------------------------------------------------- exports

function incidentRecord(i) {
  const { data } = state;
  const c = data.incidents;
  return {
    id: c.id[i],
    from: new Date(c.from[i] * 1000).toISOString(),
    to: new Date(c.to[i] * 1000).toISOString(),
    lat: c.lat[i],
    lon: c.lon[i],
    grade: data.grades[c.grade[i]],
    party: c.party[i] >= 0 ? data.parties[c.party[i]] : "",
    kinds: c.kinds[i].map((k) => data.kinds[k]),
    targets: c.targets[i].map((t) => data.targets[t]),
    violations: c.violations[i].map((r) => data.rules[r]),
    killed_and_injured: c.harm[i],
    coverage_gap: c.gap[i] === 1,
    sources: c.sources[i].map((s) => data.sources[s]),
  };
}

function exportGeoJson() {
  const features = Array.from(state.filtered, (i) => {
    const { lat, lon, ...properties } = incidentRecord(i);
    return { type: "Feature", id: properties.id, geometry: { type: "Point", coordinates: [lon, lat] }, properties };
  });
  return JSON.stringify({ type: "FeatureCollection", features });
}

function exportCsv() {
  const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const rows = Array.from(state.filtered, incidentRecord);
  const header = ["id", "from", "to", "lat", "lon", "grade", "party", "kinds", "targets", "violations", "killed_and_injured", "coverage_gap", "sources"];
  const lines = rows.map((r) => header.map((h) => quote(Array.isArray(r[h]) ? r[h].join(" ") : r[h])).join(","));
  return [header.join(","), ...lines].join("\n") + "\n";
}

function download(event, type, text) {
  const link = event.currentTarget;
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type }));
}

// ---------------------------------------------------------------- the map

const TILE = 256;
const project = (lon, lat, zoom) => {
  const scale = TILE * 2 ** zoom;
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [((lon + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
};
const unproject = (x, y, zoom) => {
  const scale = TILE * 2 ** zoom;
  const lon = (x / scale) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / scale))) * 180) / Math.PI;
  return [lon, lat];
};

const map = {
  center: [31.5, 48.6],
  zoom: 5.4,
  drawn: [], // hit targets: {x, y, r, items}
};

/** Shows Ukraine and every incident. */
function fitUkraine() {
  const canvas = $("#map");
  const width = canvas.clientWidth || 800;
  const height = canvas.clientHeight || 500;
  let [west, south, east, north] = [22.1, 44.3, 40.3, 52.4];
  const c = state.data ? state.data.incidents : { lat: [], lon: [] };
  for (let i = 0; i < c.lat.length; i++) {
    west = Math.min(west, c.lon[i]);
    east = Math.max(east, c.lon[i]);
    south = Math.min(south, c.lat[i]);
    north = Math.max(north, c.lat[i]);
  }
  const [x0, y0] = project(west, north, 0);
  const [x1, y1] = project(east, south, 0);
  const zoom = Math.log2(Math.min((width - 40) / (x1 - x0), (height - 40) / (y1 - y0)));
  map.zoom = Math.max(3, Math.min(12, zoom));
  map.center = unproject((x0 + x1) / 2 * 2 ** map.zoom, (y0 + y1) / 2 * 2 ** map.zoom, map.zoom);
}

function toScreen(lon, lat, origin) {
  const [x, y] = project(lon, lat, map.zoom);
  return [x - origin[0], y - origin[1]];
}

function metersPerPixel(lat) {
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (TILE * 2 ** map.zoom);
}

function drawGeometry(ctx, geometry, origin, fill, stroke, width = 1) {
  const rings =
    geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  ctx.beginPath();
  for (const polygon of rings) {
    for (const ring of polygon) {
      ring.forEach(([lon, lat], k) => {
        const [x, y] = toScreen(lon, lat, origin);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.closePath();
    }
  }
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fill("evenodd");
  }
  if (stroke) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = width;
    ctx.stroke();
  }
}

function drawZone(ctx, feature, origin) {
  const g = feature.geometry;
  if (!g) return;
  const buffer = feature.properties.buffer_m || 0;
  ctx.save();
  if (g.type === "Point") {
    const [x, y] = toScreen(g.coordinates[0], g.coordinates[1], origin);
    const r = Math.max(3, buffer / metersPerPixel(g.coordinates[1]));
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = "#0a306922";
    ctx.strokeStyle = "#0a3069";
    ctx.fill();
    ctx.stroke();
  } else if (g.type === "LineString") {
    const lat = g.coordinates[0][1];
    ctx.beginPath();
    g.coordinates.forEach(([lon, la], k) => {
      const [x, y] = toScreen(lon, la, origin);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#0a306922";
    ctx.lineWidth = Math.max(2, (2 * buffer) / metersPerPixel(lat));
    ctx.stroke();
    ctx.strokeStyle = "#0a3069";
    ctx.lineWidth = 1.5;
    ctx.setLineDash([6, 4]);
    ctx.stroke();
  } else {
    ctx.setLineDash([6, 4]);
    drawGeometry(ctx, g, origin, "#0a306918", "#0a3069", 1.5);
  }
  ctx.restore();
}

function renderMap() {
  state.filtered = applyFilters();
  drawMap();
  renderCount();
  renderTimeline();
  renderList();
}

function drawMap() {
  const canvas = $("#map");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = "#dbe9f4";
  ctx.fillRect(0, 0, width, height);
  const [cx, cy] = project(map.center[0], map.center[1], map.zoom);
  const origin = [cx - width / 2, cy - height / 2];

  for (const f of state.countries.features) {
    const ukraine = f.properties.iso_a3 === "UKR" || f.properties.name === "Ukraine";
    drawGeometry(ctx, f.geometry, origin, ukraine ? "#fbfaf5" : "#ece8df", "#8a8f98", ukraine ? 1.6 : 0.8);
  }
  for (const f of state.oblasts.features) drawGeometry(ctx, f.geometry, origin, null, "#b8bcc4", 0.6);
  for (const f of state.data.zones.features) drawZone(ctx, f, origin);

  // Coverage gaps overlapping the time filter, hatched.
  const from = state.filters.from ? secondsOf(state.filters.from) : -Infinity;
  const to = state.filters.to ? secondsOf(state.filters.to) + DAY : Infinity;
  ctx.save();
  for (const gap of state.data.gaps) {
    if (gap.to < from || gap.from >= to) continue;
    const [x, y] = toScreen(gap.lon, gap.lat, origin);
    const r = Math.max(4, gap.radius_m / metersPerPixel(gap.lat));
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = "#6e778133";
    ctx.strokeStyle = "#6e7781";
    ctx.setLineDash([3, 3]);
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();

  // Incidents: single markers, or clusters where they are dense.
  const c = state.data.incidents;
  const cell = map.zoom >= 10 ? 0 : 28;
  const groups = new Map();
  for (const i of state.filtered) {
    const [x, y] = toScreen(c.lon[i], c.lat[i], origin);
    if (x < -20 || y < -20 || x > width + 20 || y > height + 20) continue;
    const key = cell ? `${Math.floor(x / cell)},${Math.floor(y / cell)}` : `${i}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { x: 0, y: 0, items: [] }));
    g.x += x;
    g.y += y;
    g.items.push(i);
  }
  map.drawn = [];
  let shown = 0;
  for (const g of groups.values()) {
    const x = g.x / g.items.length;
    const y = g.y / g.items.length;
    shown += g.items.length;
    if (g.items.length === 1) {
      const i = g.items[0];
      const r = Math.min(14, 4 + Math.sqrt(c.harm[i]));
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = GRADE_COLORS[state.data.grades[c.grade[i]]];
      ctx.globalAlpha = 0.85;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1.2;
      ctx.stroke();
      map.drawn.push({ x, y, r: r + 2, items: g.items });
    } else {
      // The cluster's colour is its most common grade.
      const counts = new Array(state.data.grades.length).fill(0);
      for (const i of g.items) counts[c.grade[i]]++;
      const grade = state.data.grades[counts.indexOf(Math.max(...counts))];
      const r = Math.min(26, 9 + 3 * Math.log2(g.items.length));
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = GRADE_COLORS[grade];
      ctx.globalAlpha = 0.75;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.fillStyle = "#fff";
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(String(g.items.length), x, y);
      map.drawn.push({ x, y, r, items: g.items });
    }
  }
  canvas.dataset.markers = String(shown);
  canvas.dataset.symbols = String(map.drawn.length);
}

function hit(event) {
  const rect = $("#map").getBoundingClientRect();
  const x = event.clientX - rect.left;
  const y = event.clientY - rect.top;
  let best = null;
  for (const d of map.drawn) {
    const distance = Math.hypot(d.x - x, d.y - y);
    if (distance <= d.r && (!best || distance < best.distance)) best = { ...d, distance };
  }
  return best;
}

function zoomAt(x, y, delta) {
  const canvas = $("#map");
  const [cx, cy] = project(map.center[0], map.center[1], map.zoom);
  const px = cx - canvas.clientWidth / 2 + x;
  const py = cy - canvas.clientHeight / 2 + y;
  const point = unproject(px, py, map.zoom);
  map.zoom = Math.max(3, Math.min(16, map.zoom + delta));
  const [nx, ny] = project(point[0], point[1], map.zoom);
  map.center = unproject(nx - x + canvas.clientWidth / 2, ny - y + canvas.clientHeight / 2, map.zoom);
  requestDraw();
}

let drawRequested = false;
function requestDraw() {
  if (drawRequested) return;
  drawRequested = true;
  requestAnimationFrame(() => {
    drawRequested = false;
    drawMap();
  });
}

function pan(dx, dy) {
  const [cx, cy] = project(map.center[0], map.center[1], map.zoom);
  map.center = unproject(cx - dx, cy - dy, map.zoom);
  requestDraw();
}

function setUpMap() {
  const canvas = $("#map");
  fitUkraine();
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) {
      canvas.style.cursor = hit(e) ? "pointer" : "";
      return;
    }
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    if (drag.moved) {
      canvas.classList.add("dragging");
      pan(dx, dy);
      drag.x = e.clientX;
      drag.y = e.clientY;
    }
  });
  canvas.addEventListener("pointerup", (e) => {
    canvas.classList.remove("dragging");
    const moved = drag && drag.moved;
    drag = null;
    if (moved) return;
    const target = hit(e);
    if (!target) return;
    if (target.items.length === 1) {
      openIncident(state.data.incidents.id[target.items[0]]);
    } else {
      zoomAt(target.x, target.y, 2);
    }
  });
  canvas.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      zoomAt(e.clientX - rect.left, e.clientY - rect.top, e.deltaY < 0 ? 0.5 : -0.5);
    },
    { passive: false },
  );
  canvas.addEventListener("keydown", (e) => {
    const step = 80;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) {
      e.preventDefault();
      pan(...moves[e.key]);
    } else if (e.key === "+" || e.key === "=") {
      zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 0.5);
    } else if (e.key === "-") {
      zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, -0.5);
    }
  });
  $("#zoom-in").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1));
  $("#zoom-out").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, -1));
  $("#zoom-reset").addEventListener("click", () => {
    fitUkraine();
    requestDraw();
  });
  new ResizeObserver(() => requestDraw()).observe(canvas);
}

// ---------------------------------------------------------------- charts

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Days from the first to the last incident of `indices`. */
function dayRange(indices) {
  const c = state.data.incidents;
  let min = Infinity;
  let max = -Infinity;
  for (const i of indices) {
    min = Math.min(min, c.from[i]);
    max = Math.max(max, c.from[i]);
  }
  if (min === Infinity) return null;
  const first = Math.floor(min / DAY);
  return { first, days: Math.floor(max / DAY) - first + 1 };
}

function renderTimeline() {
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
  chart.append(svg("text", { x: width - 2, y: 10, "font-size": 10, "text-anchor": "end", fill: "#57606a" }, `at most ${peak} a day`));
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
  state.data.parties.forEach((party, p) => {
    const points = [];
    for (let d = 0; d < range.days; d++) {
      points.push(`${d * step + step / 2},${height - 4 - (counts[d * parties + p] / peak) * (height - 16)}`);
    }
    const color = PARTY_COLORS[p % PARTY_COLORS.length];
    chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 1.5 }));
    chart.append(svg("text", { x: 4 + p * 70, y: 10, "font-size": 10, fill: color }, `${party.toUpperCase()} violations`));
  });
}

function setUpBrush() {
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
    start = dayAt(e);
    chart.setPointerCapture(e.pointerId);
  });
  chart.addEventListener("pointerup", (e) => {
    if (start === null) return;
    const end = dayAt(e);
    const [a, b] = [Math.min(start, end), Math.max(start, end)];
    start = null;
    state.filters.from = dayOf(a * DAY);
    state.filters.to = dayOf(b * DAY);
    syncForm();
    writeHash("map");
    renderMap();
  });
  chart.addEventListener("dblclick", () => {
    state.filters.from = state.filters.to = undefined;
    syncForm();
    writeHash("map");
    renderMap();
  });
}

// ---------------------------------------------------------------- lists

function renderCount() {
  const n = state.filtered.length;
  const all = state.data.incidents.id.length;
  $("#count").textContent = n === all ? `${n} incidents` : `${n} of ${all} incidents`;
}

function gradeBadge(grade) {
  return el("span", { class: `grade ${grade}`, text: label(grade) });
}

function renderList() {
  const { data } = state;
  const c = data.incidents;
  const rows = Array.from(state.filtered).sort((a, b) => c.from[b] - c.from[a]).slice(0, LIST_ROWS);
  $("#incident-table tbody").replaceChildren(
    ...rows.map((i) =>
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: `#incident=${encodeURIComponent(c.id[i])}`, text: when(new Date(c.from[i] * 1000).toISOString()) })),
        el("td", { text: `${c.lat[i].toFixed(3)}, ${c.lon[i].toFixed(3)}` }),
        el("td", { text: c.kinds[i].map((k) => label(data.kinds[k])).join(", ") }),
        el("td", {}, gradeBadge(data.grades[c.grade[i]])),
        el("td", { text: c.party[i] >= 0 ? data.parties[c.party[i]].toUpperCase() : "—" }),
        el("td", { text: c.violations[i].map((r) => data.rules[r]).join(", ") || "—" }),
      ),
    ),
  );
  $("#list-more").textContent =
    state.filtered.length > LIST_ROWS ? `The ${LIST_ROWS} latest of ${state.filtered.length}; narrow the filters or export to see all.` : "";
}

// ---------------------------------------------------------------- an incident

function openIncident(id) {
  location.hash = `#incident=${encodeURIComponent(id)}`;
}

function agreementById(index) {
  return state.agreements.find((a) => a.index === index);
}

function ruleOf(agreementIndex, ruleId) {
  const agreement = agreementById(agreementIndex);
  return agreement && agreement.entry.rules.find((r) => r.id === ruleId);
}

async function renderIncident(id) {
  const body = $("#incident-body");
  body.replaceChildren(el("p", { text: "Loading…" }));
  let answer;
  try {
    answer = await getJson(`/v1/incidents/${encodeURIComponent(id)}`);
  } catch (e) {
    body.replaceChildren(el("p", { text: `No incident ${id}: ${e.message}` }));
    return;
  }
  const { incident, reports } = answer;
  const sourceOf = new Map(state.sources.map((s) => [s.source, s]));
  const place = incident.location.place || `${incident.location.lat}, ${incident.location.lon}`;
  $("#incident-title").textContent = `${incident.kinds.map(label).join(", ")}: ${place}`;
  const harm = Object.entries(incident.harm)
    .filter(([, e]) => e)
    .map(([k, e]) => `${label(k)} ${e.low === e.high ? e.best : `${e.best} (${e.low}–${e.high})`}`)
    .join("; ");
  const cited = new Set([...incident.reports, ...incident.verdicts.flatMap((v) => v.cites)]);
  const summary = el(
    "div",
    { class: "cards" },
    el(
      "div",
      { class: "card", id: "grade-card" },
      el("h3", {}, "Grade ", gradeBadge(incident.grade)),
      el("ul", {}, incident.grade_reasons.map((r) => el("li", { text: r }))),
      incident.uncorroborated_grade !== incident.grade ? el("p", { class: "muted", text: `Before corroboration: ${incident.uncorroborated_grade}` }) : null,
    ),
    el(
      "div",
      { class: "card" },
      el("h3", { text: "What and where" }),
      el("p", { text: `${when(incident.time.from)} to ${when(incident.time.to)}` }),
      el("p", { text: `${place}${incident.location.region ? `, ${incident.location.region}` : ""} (±${incident.location.uncertainty_m} m)` }),
      el("p", { text: `Targets: ${incident.targets.map(label).join(", ") || "—"}` }),
      el("p", { text: `Harm: ${harm || "none reported"}` }),
      incident.disruption.length ? el("p", { text: `Disruption: ${incident.disruption.map((d) => label(d.service)).join(", ")}` }) : null,
      el("p", {
        text: incident.responsibility
          ? `Responsibility: ${incident.responsibility.party.toUpperCase()} (${label(incident.responsibility.basis)}, ${incident.responsibility.confidence || "unrated"} confidence)`
          : "Responsibility: not established",
      }),
      incident.coverage_gaps.length ? el("p", { text: `Coverage gaps overlap: entries ${incident.coverage_gaps.join(", ")}` }) : null,
    ),
  );
  const verdicts = el(
    "table",
    { id: "verdicts" },
    el("caption", { text: "Verdicts" }),
    el("thead", {}, el("tr", {}, ["Agreement", "Rule", "Finding", "Party", "Reason", "Cites"].map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      incident.verdicts.map((v) => {
        const rule = ruleOf(v.agreement, v.rule);
        const agreement = agreementById(v.agreement);
        return el(
          "tr",
          {},
          el("td", { text: agreement ? agreement.entry.title : `entry ${v.agreement}` }),
          el("td", {}, el("strong", { text: rule ? rule.title : v.rule }), rule ? el("p", { class: "muted", text: rule.text }) : null),
          el("td", { class: `finding-${v.finding}`, text: label(v.finding) }),
          el("td", { text: v.party ? v.party.toUpperCase() : "—" }),
          el("td", { text: v.reason }),
          el("td", { class: "hash", text: v.cites.join(", ") }),
        );
      }),
    ),
  );
  const reportRows = reports.map((r) => {
    const s = sourceOf.get(r.source) || {};
    const e = r.entry;
    return el(
      "tr",
      {},
      el("td", { text: `${r.index}${r.superseded_by ? ` (superseded by ${r.superseded_by})` : ""}` }),
      el("td", { text: `${s.name || r.source} (${label(s.role)}, ${s.organisation || ""}, reliability ${s.reliability || "?"})` }),
      el("td", { text: e.time ? `${when(e.time.from)} – ${when(e.time.to)}` : "—" }),
      el("td", { text: e.summary || (e.withdrawn ? "withdrawn" : "") }),
      el("td", { class: "hash", text: (e.evidence || []).map((x) => `sha256:${x.sha256} (${x.media_type})`).join("\n") || "—" }),
    );
  });
  const reportTable = el(
    "table",
    { id: "reports" },
    el("caption", { text: "Reports" }),
    el("thead", {}, el("tr", {}, ["Entry", "Source", "Time", "Summary", "Evidence"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, reportRows),
  );
  const result = el("div", { id: "verify-result", "aria-live": "polite" });
  const policyNote = state.keys.policy ? " (with your witness policy)" : "";
  const button = el("button", { type: "button", id: "verify" }, `Verify the ${cited.size} entries this rests on${policyNote}`);
  button.addEventListener("click", () => runVerification([...cited].sort((a, b) => a - b), result, button));
  const scroll = (table) => el("div", { class: "scroll" }, table);
  body.replaceChildren(summary, scroll(verdicts), scroll(reportTable), el("section", { class: "verify" }, button, result));
}

async function runVerification(indices, result, button) {
  button.disabled = true;
  result.className = "verify-result";
  result.replaceChildren(el("p", { text: `Checking ${indices.length} entries in this browser…` }));
  const outcomes = [];
  for (const index of indices) outcomes.push({ index, ...(await verifyEntry(index, state.keys)) });
  const ok = outcomes.every((o) => o.ok);
  result.className = `verify-result ${ok ? "ok" : "failed"}`;
  result.dataset.outcome = ok ? "verified" : "failed";
  result.replaceChildren(
    el("p", {}, el("strong", { text: ok ? `Verified: all ${indices.length} entries are signed, in the log, and covered by its signed checkpoint.` : "Verification FAILED: do not trust this incident's record as served." })),
    ...outcomes.map((o) =>
      el(
        "details",
        { open: !o.ok },
        el("summary", { text: `Entry ${o.index}: ${o.ok ? "verified" : "FAILED"}` }),
        el("ul", {}, o.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed" }, el("strong", { text: `${s.what}: ` }), el("span", { class: "hash", text: s.detail })))),
      ),
    ),
  );
  button.disabled = false;
}

// ---------------------------------------------------------------- other views

function renderCompliance() {
  const { data } = state;
  const c = data.incidents;
  const body = $("#compliance-body");
  const roots = state.agreements.filter((a) => data.agreements.includes(a.index));
  const range = dayRange(Array.from({ length: c.id.length }, (_, i) => i));
  body.replaceChildren(
    ...roots.map((agreement) => {
      const rules = agreement.entry.rules;
      const counts = rules.map((rule) => {
        const r = data.rules.indexOf(rule.id);
        const perParty = new Array(data.parties.length).fill(0);
        for (let i = 0; i < c.id.length; i++) if (r >= 0 && c.violations[i].includes(r) && c.party[i] >= 0) perParty[c.party[i]]++;
        return perParty;
      });
      const table = el(
        "table",
        {},
        el("caption", { text: "Violations per party and rule" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Rule" }), data.parties.map((p) => el("th", { scope: "col", text: p.toUpperCase() })))),
        el(
          "tbody",
          {},
          rules.map((rule, k) =>
            el("tr", {}, el("th", { scope: "row", text: rule.title }), counts[k].map((n, p) => el("td", {}, el("a", { href: `#view=map&rule=${encodeURIComponent(rule.id)}&party=${encodeURIComponent(data.parties[p])}`, text: String(n) })))),
          ),
        ),
      );
      const chart = svg("svg", { class: "compliance-chart", role: "img", "aria-label": `Violations of ${agreement.entry.title} per day and party`, viewBox: "0 0 600 140", preserveAspectRatio: "none" });
      if (range) {
        const ruleIds = new Set(rules.map((r) => data.rules.indexOf(r.id)));
        const perDay = data.parties.map(() => new Array(range.days).fill(0));
        for (let i = 0; i < c.id.length; i++) {
          if (c.party[i] >= 0 && c.violations[i].some((r) => ruleIds.has(r))) perDay[c.party[i]][Math.floor(c.from[i] / DAY) - range.first]++;
        }
        const peak = Math.max(1, ...perDay.flat());
        const step = 600 / range.days;
        perDay.forEach((days, p) => {
          days.forEach((n, d) => {
            if (!n) return;
            const h = (n / peak) * 120;
            chart.append(svg("rect", { x: d * step + (p * step) / data.parties.length, y: 130 - h, width: Math.max(1, step / data.parties.length - 0.5), height: h, fill: PARTY_COLORS[p % PARTY_COLORS.length] }));
          });
        });
      }
      return el(
        "section",
        { class: "card" },
        el("h3", { text: agreement.entry.title }),
        el("p", { class: "muted", text: `Entry ${agreement.index}; in force from ${agreement.entry.in_force.from}${agreement.entry.in_force.to ? ` to ${agreement.entry.in_force.to}` : ""}` }),
        table,
        chart,
        range ? el("p", { class: "muted", text: `Violations per day, ${dayOf(range.first * DAY)} to ${dayOf((range.first + range.days - 1) * DAY)}, by party:` }) : null,
        el("p", { class: "muted" }, data.parties.map((p, k) => el("span", { style: `color:${PARTY_COLORS[k % PARTY_COLORS.length]};margin-right:1rem`, text: `■ ${p.toUpperCase()}` }))),
      );
    }),
  );
  const list = $("#daily-reports");
  list.replaceChildren();
  if (range) {
    for (let d = range.days - 1; d >= 0; d--) {
      const day = dayOf((range.first + d) * DAY);
      list.append(
        el(
          "li",
          {},
          `${day}: `,
          el("a", { href: `/v1/reports/daily/${day}?format=html`, text: "HTML" }),
          " · ",
          el("a", { href: `/v1/reports/daily/${day}`, text: "JSON" }),
          " · ",
          el("a", { href: `/v1/reports/daily/${day}?format=md`, text: "Markdown" }),
        ),
      );
    }
  }
}

function renderSources() {
  $("#sources-table tbody").replaceChildren(
    ...state.sources.map((s) =>
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: `#view=map&source=${encodeURIComponent(s.source)}`, text: s.source })),
        el("td", { text: s.name }),
        el("td", { text: label(s.role) }),
        el("td", { text: s.organisation }),
        el("td", { text: s.party ? s.party.toUpperCase() : "—" }),
        el("td", { text: s.reliability }),
        el("td", { text: s.active ? "active" : "revoked" }),
      ),
    ),
  );
}

async function renderLog() {
  const log = await getJson("/v1/log");
  const witnessedText = log.witnessed_checkpoint || log.checkpoint;
  const pasted = await verifyPasted(witnessedText, state.keys);
  const cosigned = state.keys.witnesses.map((witness) => {
    const step = pasted.steps.find((s) => s.what === `signature by ${witness.name}`);
    const status = !step ? "no cosignature on this checkpoint" : step.ok ? "cosignature verified" : "INVALID cosignature";
    return el("li", { class: step && !step.ok ? "step-failed" : "", text: `${witness.text}: ${status}` });
  });
  const policyText = localStorage.getItem(POLICY_KEY) || "";
  const policyBox = el("textarea", { id: "policy", rows: 6, spellcheck: "false", "aria-describedby": "policy-help" });
  policyBox.value = policyText;
  const status = el("p", { id: "policy-status", "aria-live": "polite", text: state.keys.policy ? "A witness policy is in force for verification." : "No witness policy: verification trusts the log's key alone." });
  const save = el("button", { type: "button", id: "policy-save" }, "Use this policy");
  save.addEventListener("click", async () => {
    const text = policyBox.value.trim();
    try {
      state.keys.policy = text ? await parsePolicy(text) : null;
      if (text) localStorage.setItem(POLICY_KEY, text);
      else localStorage.removeItem(POLICY_KEY);
      status.textContent = text ? "Saved: verification now requires this policy's quorum." : "Cleared: verification trusts the log's key alone.";
    } catch (e) {
      status.textContent = e.message;
    }
  });
  $("#log-body").replaceChildren(
    el("p", { text: `Origin ${log.origin}; ${log.size} entries; root ${log.root_hash}` }),
    el("p", {}, "Log key: ", el("span", { class: "hash", text: log.vkey })),
    el("h3", { text: log.witnessed_checkpoint ? "Latest witnessed checkpoint" : "Latest checkpoint" }),
    el("pre", { class: "note", text: witnessedText }),
    el("h3", { text: "Witnesses" }),
    cosigned.length ? el("ul", {}, cosigned) : el("p", { class: "muted", text: "This log is configured with no witnesses." }),
    el("h3", { text: "Your witness policy" }),
    el("p", { id: "policy-help", class: "muted", text: "A C2SP tlog-policy (log, witness, group and quorum lines). Kept in this browser; with it, Verify accepts a checkpoint only if the policy's log signed it and a quorum of its witnesses cosigned it." }),
    policyBox,
    el("p", {}, save),
    status,
  );
}

function setUpPaste() {
  $("#paste-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("#paste-result");
    try {
      const result = await verifyPasted($("#paste").value, state.keys);
      out.className = `verify-result ${result.ok ? "ok" : "failed"}`;
      out.replaceChildren(
        el("p", {}, el("strong", { text: result.ok ? "Verified" : "FAILED" })),
        el("ul", {}, result.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed", text: `${s.what}: ${s.detail}` }))),
      );
    } catch (e) {
      out.className = "verify-result failed";
      out.replaceChildren(el("p", { text: `Cannot verify: ${e.message}` }));
    }
  });
}

// ---------------------------------------------------------------- routing

function show(view) {
  for (const section of document.querySelectorAll("main > .view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll(".top nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  const { view, incident, filters } = readHash();
  state.filters = filters;
  syncForm();
  if (incident) {
    show("incident");
    renderIncident(incident);
    return;
  }
  show(view);
  if (view === "map") renderMap();
  else if (view === "compliance") renderCompliance();
  else if (view === "sources") renderSources();
  else if (view === "log") renderLog();
}

function describeLog() {
  const { log, data } = state;
  $("#log-line").textContent = `${log.origin} · ${log.size} entries · ${data.incidents.id.length} incidents · checkpoint root ${log.root_hash}`;
}

/**
 * Watches the log's size; when it grows, offers to update the page (the
 * filters and the view stay). Every `truce.poll-ms` milliseconds (kept in
 * the browser; 15 s by default).
 */
function watchLog() {
  const every = Number(localStorage.getItem("truce.poll-ms")) || 15000;
  const banner = $("#log-grew");
  banner.querySelector("button").addEventListener("click", async () => {
    banner.hidden = true;
    await load();
    describeLog();
    setUpFilters();
    route();
  });
  setInterval(async () => {
    try {
      const health = await getJson("/healthz");
      const grown = health.log_size - state.log.size;
      if (grown > 0) {
        banner.querySelector("span").textContent = `The log has grown by ${grown} ${grown === 1 ? "entry" : "entries"}.`;
        banner.hidden = false;
      }
    } catch (e) {
      // The server is away for a moment: ask again later.
    }
  }, every);
}

async function start() {
  const started = performance.now();
  try {
    await load();
  } catch (e) {
    $("#log-line").textContent = `Cannot load the log: ${e.message}`;
    return;
  }
  describeLog();
  setUpFilters();
  setUpMap();
  setUpBrush();
  setUpPaste();
  window.addEventListener("hashchange", route);
  route();
  watchLog();
  document.body.dataset.ready = "true";
  document.body.dataset.loadMs = String(Math.round(performance.now() - started));
}

start();

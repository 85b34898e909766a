// The map: a canvas in Web Mercator with the countries, the oblasts, the
// agreements' zones, the coverage gaps and the incidents (clustered on a
// screen grid where dense); pan and zoom with pointer, wheel and keys.

import { DAY, GRADE_COLORS, $, openIncident, secondsOf, state } from "/common.js";

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
export function fitUkraine() {
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

export function drawMap() {
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
      disc(ctx, x, y, r, GRADE_COLORS[state.data.grades[c.grade[i]]], 0.85, 1.2);
      map.drawn.push({ x, y, r: r + 2, items: g.items });
    } else {
      // The cluster's colour is its most common grade.
      const counts = new Array(state.data.grades.length).fill(0);
      for (const i of g.items) counts[c.grade[i]]++;
      const grade = state.data.grades[counts.indexOf(Math.max(...counts))];
      const r = Math.min(26, 9 + 3 * Math.log2(g.items.length));
      disc(ctx, x, y, r, GRADE_COLORS[grade], 0.75, 2);
      ctx.fillStyle = "#fff";
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(String(g.items.length), x, y);
      map.drawn.push({ x, y, r, items: g.items });
    }
  }
  canvas.dataset.markers = String(shown);
  canvas.dataset.view = `${map.center[0].toFixed(4)},${map.center[1].toFixed(4)},${map.zoom.toFixed(2)}`;
  canvas.dataset.symbols = String(map.drawn.length);
}

/** A marker: a filled, white-edged disc. */
function disc(ctx, x, y, r, color, alpha, edge) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.globalAlpha = alpha;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = edge;
  ctx.stroke();
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

export function setUpMap() {
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

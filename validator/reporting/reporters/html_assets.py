"""The HTML report's stylesheet and script, inlined into every page (no network, no CDN).

The script reads the JSON document in ``#report-data`` (see :mod:`.html`) and draws the page:
the summary, then per file the overview strip, the timeline (SVG), the findings table, the
event panel and the rule documentation. It builds text with ``textContent`` and escapes every
string it puts in markup: the data quotes model output.
"""

from __future__ import annotations

__all__ = ["SCRIPT", "STYLE"]

STYLE = """
:root { --error:#c62828; --warning:#e08e00; --info:#1f77b4; --ok:#2e7d32; --ink:#1d232a; --mute:#68717c;
  --line:#d9dde2; --bg:#fff; --soft:#f4f6f8; --lane:#9fb3c8; --part:#c6d4e1; --delta:#3a6ea5; }
* { box-sizing:border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header.top { padding:10px 18px; border-bottom:1px solid var(--line); display:flex; gap:14px; align-items:baseline; flex-wrap:wrap; }
header.top h1 { font-size:16px; margin:0; }
header.top a { color:inherit; }
main { padding:12px 18px 40px; }
.verdict { font-weight:600; }
.verdict.failed { color:var(--error); } .verdict.passed { color:var(--ok); }
table { border-collapse:collapse; width:100%; margin:8px 0 16px; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--soft); font-weight:600; user-select:none; white-space:nowrap; }
th.sortable { cursor:pointer; } th.sortable:after { content:" \\2195"; color:var(--mute); font-weight:400; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.finding { cursor:pointer; } tr.finding:hover, tr.finding.selected { background:#eef4fb; }
.sev { display:inline-block; min-width:58px; padding:0 6px; border-radius:3px; color:#fff; font-size:12px; text-align:center; }
.sev.error { background:var(--error); } .sev.warning { background:var(--warning); } .sev.info { background:var(--info); }
a.rule-link { font-family:ui-monospace,Menlo,Consolas,monospace; }
code, pre, .mono { font-family:ui-monospace,Menlo,Consolas,monospace; font-size:12.5px; }
.filters { display:flex; gap:12px; align-items:center; flex-wrap:wrap; margin:6px 0; }
.muted { color:var(--mute); }
.panel { border:1px solid var(--line); border-radius:4px; padding:8px 12px; margin:10px 0; background:var(--soft); }
#event-panel pre { background:#fff; border:1px solid var(--line); padding:8px; max-height:420px; overflow:auto; white-space:pre-wrap; word-break:break-all; }
mark.ptr { background:#ffe08a; outline:1px solid #c99a00; }
mark.col { background:#ffc4c4; }
.timeline-wrap { border:1px solid var(--line); border-radius:4px; overflow-x:auto; }
svg text { font:11px system-ui,sans-serif; fill:var(--ink); }
svg .label { font:11px ui-monospace,Menlo,Consolas,monospace; }
svg .lane-bar { fill:var(--lane); } svg .part-bar { fill:var(--part); }
svg .lane-bar.open, svg .part-bar.open { fill:url(#open-hatch); stroke:var(--error); stroke-dasharray:3 2; }
svg .density { fill:var(--delta); }
svg .mark { fill:#37474f; } svg .terminal { stroke:#37474f; stroke-width:1.5; }
svg .finding-mark.error { fill:var(--error); } svg .finding-mark.warning { fill:var(--warning); } svg .finding-mark.info { fill:var(--info); }
svg .finding-mark { cursor:pointer; }
svg .finding-line { stroke-width:1; opacity:.35; } svg .finding-line.selected { opacity:1; stroke-width:2; }
svg .finding-line.error { stroke:var(--error); } svg .finding-line.warning { stroke:var(--warning); } svg .finding-line.info { stroke:var(--info); }
svg .refers { fill:none; stroke-dasharray:4 3; stroke-width:1.5; }
svg .window { fill:rgba(58,110,165,.12); stroke:var(--delta); }
svg .phase-created { fill:#cfd8dc; } svg .phase-queued { fill:#d7ccc8; } svg .phase-in_progress { fill:#bbdefb; }
svg .phase-completed { fill:#c8e6c9; } svg .phase-incomplete { fill:#ffe0b2; } svg .phase-failed, svg .phase-error { fill:#ffcdd2; }
svg .phase-other { fill:#eceff1; } svg .phase-message_start { fill:#bbdefb; } svg .phase-message_stop { fill:#c8e6c9; }
.controls { display:flex; gap:8px; align-items:center; margin:6px 0; }
button { font:inherit; padding:2px 10px; }
.rule-doc pre { white-space:pre-wrap; background:var(--soft); border:1px solid var(--line); padding:10px; }
.hidden { display:none; }
"""

SCRIPT = r"""
(function () {
"use strict";
const DATA = JSON.parse(document.getElementById("report-data").textContent);
const app = document.getElementById("app");
const SVGNS = "http://www.w3.org/2000/svg";
const LABEL_W = 300, PLOT_W = 900, ROW = 18, SUB = 14, MAX_ROWS = 250;
const state = { file: null, window: null, selected: null, sort: { key: "offset", dir: 1 }, rule: "", sev: { error: true, warning: true, info: true } };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
function sv(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, v);
  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
function title(text) { return sv("title", {}, text); }
function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
function sevBadge(s) { return el("span", { class: "sev " + s }, s); }
function ruleLink(id) { return el("a", { class: "rule-link", href: "#rule-" + id, title: (DATA.rules[id] || {}).name || id }, id); }
function plural(n, w) { return n + " " + w + (n === 1 ? "" : "s"); }

// ------------------------------------------------------------------ routing
function route() {
  const h = decodeURIComponent(location.hash.slice(1));
  app.replaceChildren(header());
  if (h.startsWith("rule-")) return showRule(h.slice(5));
  if (h.startsWith("file-")) return showFile(+h.slice(5));
  if (DATA.files.length === 1) return showFile(0);
  showSummary();
}
window.addEventListener("hashchange", route);

function header() {
  const verdict = el("span", { class: "verdict " + (DATA.passed ? "passed" : "failed"), id: "verdict" }, DATA.summary);
  return el("header", { class: "top" }, el("h1", {}, el("a", { href: "#summary" }, DATA.tool.split(" ")[0] + " report")), verdict,
    el("span", { class: "muted" }, (DATA.profiles.length > 1 ? "profiles " : "profile ") + DATA.profiles.join(", ") + (DATA.strict ? ", strict" : "") + " \u00b7 " + DATA.tool));
}

// ------------------------------------------------------------------ summary
function showSummary() {
  const main = el("main", { id: "summary" });
  const rows = DATA.files.map((f, i) => el("tr", { class: "file-row" },
    el("td", {}, el("a", { href: "#file-" + i }, f.path)),
    el("td", {}, f.error ? el("span", { class: "sev error" }, "unreadable") : (f.failed ? el("span", { class: "sev error" }, "fails") : el("span", { class: "sev info" }, "passes"))),
    el("td", { class: "num" }, f.events), el("td", { class: "num" }, f.counts.error || 0),
    el("td", { class: "num" }, f.counts.warning || 0), el("td", { class: "num" }, f.counts.info || 0),
    el("td", {}, f.error || "")));
  main.append(el("h2", {}, "Files"), el("table", { id: "files" },
    el("thead", {}, el("tr", {}, ...["file", "verdict", "events", "errors", "warnings", "infos", ""].map((h, i) => el("th", { class: i >= 2 && i <= 5 ? "num" : "" }, h)))),
    el("tbody", {}, ...rows)));
  const per = {};
  DATA.files.forEach((f, i) => f.findings.forEach(x => {
    const r = per[x.rule] || (per[x.rule] = { n: 0, files: new Set(), severity: x.severity });
    r.n++; r.files.add(i);
  }));
  const ids = Object.keys(per).sort((a, b) => per[b].n - per[a].n || a.localeCompare(b));
  main.append(el("h2", {}, "Findings by rule"), ids.length ? el("table", { id: "rules" },
    el("thead", {}, el("tr", {}, el("th", {}, "rule"), el("th", {}, "name"), el("th", {}, "severity"), el("th", { class: "num" }, "findings"), el("th", { class: "num" }, "files"))),
    el("tbody", {}, ...ids.map(id => el("tr", {}, el("td", {}, ruleLink(id)), el("td", {}, (DATA.rules[id] || {}).name || ""),
      el("td", {}, sevBadge(per[id].severity)), el("td", { class: "num" }, per[id].n), el("td", { class: "num" }, per[id].files.size)))))
    : el("p", {}, "No findings."));
  app.append(main);
}

// ------------------------------------------------------------------ rule docs
function showRule(id) {
  const r = DATA.rules[id];
  const main = el("main", { class: "rule-doc", id: "rule-" + id });
  main.append(el("p", {}, el("a", { href: "javascript:history.back()" }, "\u2190 back")));
  if (!r) { main.append(el("p", {}, "No documentation embedded for " + id + ".")); app.append(main); return; }
  main.append(el("h2", {}, id + " " + r.name), el("pre", { class: "doc" }, r.doc));
  app.append(main);
}

// ------------------------------------------------------------------ one file
function showFile(i) {
  const f = DATA.files[i];
  if (!f) return showSummary();
  if (state.file !== i) { state.file = i; state.window = null; state.selected = null; }
  const main = el("main", { id: "file", "data-path": f.path });
  main.append(el("h2", {}, f.path), el("p", { class: "muted" },
    (f.format || "") + " \u00b7 " + plural(f.events, "event") + " \u00b7 " + plural(f.findings.length + (f.omitted || 0), "finding") +
    (f.outline && f.outline.status ? " \u00b7 ends " + f.outline.status : "") +
    (f.outline && f.outline.usage ? " \u00b7 usage " + usageText(f.outline.usage) : "")));
  if (f.error) main.append(el("p", { class: "panel" }, "Could not be read: " + f.error));
  if (f.omitted) main.append(el("p", { class: "panel", id: "omitted" }, "Showing the first " +
    plural(f.findings.length, "finding") + " of " + (f.findings.length + f.omitted) +
    ": the text, JSON and SARIF reports list every one."));
  if (f.outline) {
    if (state.window === null) state.window = initialWindow(f);
    main.append(el("div", { class: "controls" },
      el("button", { id: "zoom-in", onclick: () => zoom(f, 0.5) }, "zoom in"),
      el("button", { id: "zoom-out", onclick: () => zoom(f, 2) }, "zoom out"),
      el("button", { id: "zoom-all", onclick: () => { state.window = [0, axisEnd(f)]; redraw(f); } }, "whole stream"),
      el("span", { class: "muted", id: "window-label" }, "")));
    main.append(el("div", { class: "timeline-wrap", id: "overview-wrap" }), el("div", { class: "timeline-wrap", id: "timeline-wrap" }));
  } else if (!f.error) {
    main.append(el("p", { class: "muted" }, "No timeline for this input (a container of several streams, or checked without an outline)."));
  }
  main.append(el("div", { id: "event-panel", class: "panel hidden" }));
  main.append(findingsSection(f));
  app.append(main);
  if (f.outline) redraw(f);
  if (state.selected !== null) select(f, state.selected, false);
}
function usageText(u) {
  return ["input_tokens", "output_tokens", "total_tokens", "prompt_tokens", "completion_tokens"].filter(k => k in u).map(k => k + " " + u[k]).join(", ");
}
function axisEnd(f) { return Math.max(1, f.outline.events); }
function findingX(f, x) { return x.event_index === null || x.event_index === undefined ? axisEnd(f) - 1 : x.event_index; }
function laneSpan(l, end) {
  const pts = [l.start, l.end].filter(v => v !== null && v !== undefined);
  let lo = pts.length ? Math.min(...pts) : Infinity, hi = pts.length ? Math.max(...pts) : -Infinity;
  for (const m of l.marks) { lo = Math.min(lo, m[0]); hi = Math.max(hi, m[0]); }
  for (const c of l.children) { const s = laneSpan(c, end); lo = Math.min(lo, s[0]); hi = Math.max(hi, s[1]); }
  if (l.delta_bins.length) { lo = Math.min(lo, l.delta_first); hi = Math.max(hi, l.delta_last); }
  if (l.end === null && l.start !== null) hi = end;
  if (lo === Infinity) { lo = 0; hi = end; }
  return [lo, hi];
}
function initialWindow(f) {
  const end = axisEnd(f), lanes = f.outline.lanes.length;
  if (lanes <= MAX_ROWS / 2) return [0, end];
  const span = Math.max(50, Math.ceil(end * (MAX_ROWS / 2) / lanes));
  const first = f.findings.find(x => x.severity === "error") || f.findings[0];
  const c = first ? findingX(f, first) : 0;
  return clampWindow(f, c - span / 2, c + span / 2);
}
function clampWindow(f, a, b) {
  const end = axisEnd(f), w = Math.min(end, Math.max(10, b - a));
  a = Math.max(0, Math.min(a, end - w));
  return [Math.floor(a), Math.ceil(a + w)];
}
function zoom(f, k) {
  const [a, b] = state.window, c = (a + b) / 2, w = (b - a) * k;
  state.window = clampWindow(f, c - w / 2, c + w / 2); redraw(f);
}
function redraw(f) {
  document.getElementById("overview-wrap").replaceChildren(overview(f));
  document.getElementById("timeline-wrap").replaceChildren(timeline(f));
  const [a, b] = state.window;
  document.getElementById("window-label").textContent = "events " + a + "\u2013" + (b - 1) + " of " + f.outline.events;
}

// ------------------------------------------------------------------ overview strip
function overview(f) {
  const o = f.outline, end = axisEnd(f), H = 46;
  const x = i => LABEL_W + (i / end) * PLOT_W;
  const svg = sv("svg", { width: LABEL_W + PLOT_W + 10, height: H, id: "overview", class: "overview" });
  svg.append(sv("text", { x: 6, y: 14 }, "whole stream (click to move the window)"));
  phaseBand(svg, o, x, 0, end, 2, 10);
  const total = {};
  (function walk(ls) { for (const l of ls) { for (const [b, n] of l.delta_bins) total[b] = (total[b] || 0) + n; walk(l.children); } })(o.lanes);
  const max = Math.max(1, ...Object.values(total));
  for (const [b, n] of Object.entries(total)) {
    const h = Math.max(1, 20 * n / max);
    svg.append(sv("rect", { class: "density", x: x(b * o.width), y: 36 - h, width: Math.max(0.5, x((+b + 1) * o.width) - x(b * o.width)), height: h }));
  }
  for (const fi of f.findings) svg.append(sv("rect", { class: "finding-mark " + fi.severity, x: x(findingX(f, fi)) - 1, y: 37, width: 2, height: 8 }));
  const [a, b] = state.window;
  svg.append(sv("rect", { class: "window", x: x(a), y: 1, width: Math.max(2, x(b) - x(a)), height: H - 2 }));
  svg.addEventListener("click", ev => {
    const r = svg.getBoundingClientRect(), px = ev.clientX - r.left;
    if (px < LABEL_W) return;
    const c = (px - LABEL_W) / PLOT_W * end, w = state.window[1] - state.window[0];
    state.window = clampWindow(f, c - w / 2, c + w / 2); redraw(f);
  });
  return svg;
}
function phaseBand(svg, o, x, a, b, y, h) {
  const ph = o.phases;
  for (let k = 0; k < ph.length; k++) {
    const s = Math.max(a, ph[k][1]), e = Math.min(b, k + 1 < ph.length ? ph[k + 1][1] : (o.terminal ? ph[k][1] + 1 : axisEndOf(o)));
    if (e <= s && !(ph[k][1] >= a && ph[k][1] < b)) continue;
    const known = ["created", "queued", "in_progress", "completed", "incomplete", "failed", "error", "message_start", "message_stop"].includes(ph[k][0]);
    const r = sv("rect", { class: "phase phase-" + (known ? ph[k][0] : "other"), x: x(s), y: y, width: Math.max(2, x(Math.max(e, s + 1)) - x(s)), height: h, "data-phase": ph[k][0] },
      title(ph[k][0] + " from event " + ph[k][1] + " (line " + ph[k][2] + ")"));
    svg.append(r);
    if (x(e) - x(s) > 60) svg.append(sv("text", { x: x(s) + 3, y: y + h - 2, class: "phase-label" }, ph[k][0]));
  }
}
function axisEndOf(o) { return Math.max(1, o.events); }

// ------------------------------------------------------------------ timeline
function timeline(f) {
  const o = f.outline, [a, b] = state.window, end = axisEnd(f);
  const x = i => LABEL_W + ((i - a) / (b - a)) * PLOT_W;
  const inWin = (lo, hi) => hi >= a && lo < b;
  const rows = [];
  for (const l of o.lanes) {
    const s = laneSpan(l, end);
    if (!inWin(s[0], s[1])) continue;
    rows.push({ lane: l, sub: false });
    for (const c of l.children) rows.push({ lane: c, sub: true, parent: l });
    if (rows.length >= MAX_ROWS) break;
  }
  const shownLanes = rows.filter(r => !r.sub).length;
  const totalLanes = o.lanes.filter(l => { const s = laneSpan(l, end); return inWin(s[0], s[1]); }).length;
  const top = 44;
  let y = top;
  for (const r of rows) { r.y = y; y += r.sub ? SUB : ROW; }
  const H = y + 24;
  const svg = sv("svg", { width: LABEL_W + PLOT_W + 10, height: H, id: "timeline" });
  const defs = sv("defs", {}, sv("pattern", { id: "open-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
    sv("rect", { width: 6, height: 6, fill: "#fbe3e3" }), sv("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#e57373", "stroke-width": 2 })));
  svg.append(defs);
  // axis ticks
  const step = niceStep((b - a) / 8);
  for (let t = Math.ceil(a / step) * step; t < b; t += step) {
    svg.append(sv("line", { x1: x(t), x2: x(t), y1: 30, y2: H - 20, stroke: "#eef0f2" }), sv("text", { x: x(t) + 2, y: H - 6, class: "muted" }, t));
  }
  svg.append(sv("text", { x: 6, y: H - 6 }, "event index \u2192"));
  svg.append(sv("text", { x: 6, y: 14 }, o.subject || "response"));
  phaseBand(svg, o, x, a, b, 4, 12);
  svg.append(sv("text", { x: 6, y: 36 }, "findings"));
  const maxBin = Math.max(1, ...rows.flatMap(r => r.lane.delta_bins.map(p => p[1])));
  for (const r of rows) svg.append(laneRow(r, x, a, b, o, end, maxBin));
  if (o.terminal && o.terminal[0] >= a && o.terminal[0] < b) {
    svg.append(sv("line", { class: "terminal", x1: x(o.terminal[0]), x2: x(o.terminal[0]), y1: 2, y2: H - 20 }, title("terminal event " + o.terminal[2] + " at event " + o.terminal[0] + " (line " + o.terminal[1] + ")")),
      sv("text", { x: x(o.terminal[0]) + 3, y: 26 }, o.terminal[2]));
  }
  for (const m of o.marks) if (m[0] >= a && m[0] < b) svg.append(sv("circle", { class: "mark", cx: x(m[0]), cy: 26, r: 3 }, title(m[2] + " at event " + m[0] + " (line " + m[1] + ")")));
  f.findings.forEach((fi, k) => {
    const i = findingX(f, fi);
    if (i < a || i >= b) return;
    const cx = x(i + 0.5);
    svg.append(sv("line", { class: "finding-line " + fi.severity + (state.selected === k ? " selected" : ""), x1: cx, x2: cx, y1: 40, y2: H - 20, "data-finding": k }));
    const g = sv("path", { class: "finding-mark " + fi.severity, d: `M${cx - 5},30 L${cx + 5},30 L${cx},40 Z`, "data-finding": k, "data-rule": fi.rule },
      title(fi.rule + " " + fi.severity + ": " + fi.message));
    g.addEventListener("click", () => select(f, k, true));
    svg.append(g);
    if (fi.refers_to !== null && fi.refers_to !== undefined && state.selected === k) {
      const rx = x(Math.max(a, Math.min(b, fi.refers_to)) + 0.5);
      svg.append(sv("path", { class: "refers finding-line " + fi.severity, d: `M${cx},34 C${cx},8 ${rx},8 ${rx},34`, stroke: "currentColor" },
        title("refers to event " + fi.refers_to)));
      svg.append(sv("circle", { class: "finding-mark " + fi.severity, cx: rx, cy: 34, r: 4, "data-refers": k }));
    }
  });
  if (totalLanes > shownLanes) svg.append(sv("text", { x: LABEL_W, y: H - 6 + 0, class: "muted" }, ""));
  const wrap = document.createDocumentFragment();
  wrap.append(svg);
  if (totalLanes > shownLanes) wrap.append(el("p", { class: "muted", id: "more-lanes" }, (totalLanes - shownLanes) + " more lanes in this window: zoom in to see them."));
  return wrap;
}
function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
function laneRow(r, x, a, b, o, end, maxBin) {
  const l = r.lane, h = r.sub ? SUB : ROW, y = r.y;
  const g = sv("g", { class: r.sub ? "lane part" : "lane", "data-key": l.key, "data-kind": l.kind });
  const label = (r.sub ? "   " : "") + l.label + (l.status ? " [" + l.status + "]" : "") + (l.deltas ? " \u00b7 " + l.deltas + " \u0394" : "");
  g.append(sv("text", { class: "label", x: r.sub ? 18 : 6, y: y + h - 5 }, label.length > 44 ? label.slice(0, 43) + "\u2026" : label),
    title(l.label + (l.status ? " (" + l.status + ")" : "") + "\nopened at " + (l.start === null ? "\u2014 (never added)" : "event " + l.start + ", line " + l.start_line) +
      "\nclosed at " + (l.end === null ? "\u2014 (never closed)" : "event " + l.end + ", line " + l.end_line) + "\n" + l.deltas + " deltas, " + l.chars + " characters"));
  const open = l.end === null;
  const s = l.start !== null ? l.start : (l.delta_bins.length ? l.delta_first : (l.end !== null ? l.end : a));
  const e = l.end !== null ? l.end + 1 : (l.start !== null || l.delta_bins.length ? end : s + 1);
  const s2 = Math.max(a, s), e2 = Math.min(b, e);
  if (e2 > s2) g.append(sv("rect", { class: (r.sub ? "part-bar" : "lane-bar") + (open ? " open" : ""), x: x(s2), y: y + 2, width: Math.max(2, x(e2) - x(s2)), height: h - 4, rx: 2 }));
  for (const [bin, n] of l.delta_bins) {
    // A bin can be wider than the lane's run of deltas: drawn only where the lane had deltas.
    const bs = Math.max(bin * o.width, l.delta_first), be = Math.min((bin + 1) * o.width, l.delta_last + 1);
    if (be <= a || bs >= b) continue;
    const bh = Math.max(1.5, (h - 4) * n / maxBin);
    const x0 = x(Math.max(a, bs)), x1 = x(Math.min(b, be));
    g.append(sv("rect", { class: "density", x: x0, y: y + h - 2 - bh, width: Math.max(0.8, x1 - x0), height: bh }, title(n + " deltas at events " + bs + "\u2013" + (be - 1))));
  }
  for (const m of l.marks) if (m[0] >= a && m[0] < b) g.append(sv("circle", { class: "mark", cx: x(m[0] + 0.5), cy: y + h / 2, r: 3 }, title(m[2] + " at event " + m[0] + " (line " + m[1] + ")")));
  return g;
}

// ------------------------------------------------------------------ findings table
function findingsSection(f) {
  const sec = el("section", { id: "findings-section" });
  sec.append(el("h3", {}, "Findings"));
  if (!f.findings.length) { sec.append(el("p", {}, "No findings.")); return sec; }
  const rules = [...new Set(f.findings.map(x => x.rule))].sort();
  const ruleSel = el("select", { id: "rule-filter", onchange: e => { state.rule = e.target.value; fillTable(f); } },
    el("option", { value: "" }, "all rules"), ...rules.map(r => el("option", { value: r }, r + " " + ((DATA.rules[r] || {}).name || ""))));
  ruleSel.value = state.rule;
  const sevs = ["error", "warning", "info"].map(s => el("label", {}, el("input", { type: "checkbox", class: "sev-filter", value: s, checked: state.sev[s] ? "checked" : null,
    onchange: e => { state.sev[s] = e.target.checked; fillTable(f); } }), " " + s));
  sec.append(el("div", { class: "filters" }, "Filter:", ruleSel, ...sevs, el("span", { class: "muted", id: "shown-count" }, "")));
  const cols = [["severity", "severity"], ["rule", "rule"], ["offset", "line:col"], ["event_index", "event"], ["sequence_number", "seq"], ["event_type", "type"], ["message", "message"]];
  const head = el("tr", {}, ...cols.map(([k, t]) => el("th", { class: "sortable", "data-key": k, onclick: () => { state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : 1 }; fillTable(f); } }, t)));
  sec.append(el("table", { id: "findings" }, el("thead", {}, head), el("tbody", {})));
  setTimeout(() => fillTable(f), 0);
  return sec;
}
const SEV_RANK = { error: 0, warning: 1, info: 2 };
function fillTable(f) {
  const body = document.querySelector("#findings tbody");
  if (!body) return;
  const { key, dir } = state.sort;
  const idx = f.findings.map((x, k) => k).filter(k => { const x = f.findings[k]; return state.sev[x.severity] && (!state.rule || x.rule === state.rule); });
  idx.sort((p, q) => {
    let u = f.findings[p][key], v = f.findings[q][key];
    if (key === "severity") { u = SEV_RANK[u]; v = SEV_RANK[v]; }
    if (u === null || u === undefined) u = Infinity; if (v === null || v === undefined) v = Infinity;
    return (u < v ? -1 : u > v ? 1 : p - q) * dir;
  });
  body.replaceChildren(...idx.map(k => {
    const x = f.findings[k];
    return el("tr", { class: "finding" + (state.selected === k ? " selected" : ""), "data-finding": k, "data-rule": x.rule, "data-severity": x.severity, onclick: ev => { if (ev.target.tagName !== "A") select(f, k, true); } },
      el("td", {}, sevBadge(x.severity)), el("td", {}, ruleLink(x.rule)), el("td", { class: "mono" }, x.line + ":" + x.column),
      el("td", { class: "num" }, x.event_index === null ? "\u2014" : x.event_index), el("td", { class: "num" }, x.sequence_number === null ? "" : x.sequence_number),
      el("td", { class: "mono" }, x.event_type || ""), el("td", {}, x.message, ...(x.details || []).map(d => el("div", { class: "muted" }, d))));
  }));
  document.getElementById("shown-count").textContent = idx.length + " of " + f.findings.length + " shown";
}

// ------------------------------------------------------------------ selecting a finding: its event
function select(f, k, move) {
  state.selected = k;
  const x = f.findings[k];
  if (f.outline && move) {
    const i = findingX(f, x), [a, b] = state.window;
    const lo = Math.min(i, x.refers_to === null || x.refers_to === undefined ? i : x.refers_to), hi = Math.max(i, x.refers_to === null || x.refers_to === undefined ? i : x.refers_to);
    if (lo < a || hi >= b) { const w = Math.max(b - a, hi - lo + 20); state.window = clampWindow(f, (lo + hi) / 2 - w / 2, (lo + hi) / 2 + w / 2); }
  }
  if (f.outline) redraw(f);
  document.querySelectorAll("#findings tr.finding").forEach(tr => tr.classList.toggle("selected", +tr.dataset.finding === k));
  const panel = document.getElementById("event-panel");
  panel.classList.remove("hidden");
  const ex = x.excerpt === null || x.excerpt === undefined ? null : f.excerpts[x.excerpt];
  const headline = el("div", {}, sevBadge(x.severity), " ", ruleLink(x.rule), " ", el("b", {}, (DATA.rules[x.rule] || {}).name || ""),
    " \u2014 line " + x.line + ", column " + x.column + (x.event_index === null ? "" : ", event " + x.event_index) + (x.pointer ? ", at " : ""), x.pointer ? el("code", { class: "pointer" }, x.pointer) : null);
  const msg = el("p", {}, x.message);
  panel.replaceChildren(headline, msg);
  if (!ex) { panel.append(el("p", { class: "muted" }, "The transcript's text is not in this report (standard input, or the end of the input).")); return; }
  let body = null;
  if (ex.event !== null && ex.event !== undefined) {
    let value, ok = true;
    try { value = JSON.parse(ex.event); } catch (e) { ok = false; }
    if (ok) {
      const pre = el("pre", { class: "event-json" });
      pre.innerHTML = pretty(value, "", x.pointer || null, 0);
      body = pre;
    }
  }
  if (body === null) {
    // Not JSON (the finding is why), or cut: the line itself, the finding's column marked.
    const t = ex.text, at = Math.max(0, x.column - ex.first_column);
    const pre = el("pre", { class: "event-raw" });
    pre.innerHTML = (ex.cut_left ? "\u2026" : "") + esc(t.slice(0, at)) + '<mark class="col">' + esc(t.slice(at, at + 1) || " ") + "</mark>" + esc(t.slice(at + 1)) + (ex.cut_right ? "\u2026" : "");
    body = pre;
  }
  panel.append(el("div", { class: "muted" }, ex.event_cut ? "raw event (cut: it is larger than the report embeds)" : "raw event at line " + x.line), body);
  const m = panel.querySelector("mark.ptr");
  if (m) m.scrollIntoView({ block: "nearest" });
}
function pretty(v, path, ptr, depth) {
  const pad = "  ".repeat(depth + 1), end = "  ".repeat(depth);
  let out;
  if (Array.isArray(v)) {
    out = v.length ? "[\n" + v.map((c, i) => pad + pretty(c, path + "/" + i, ptr, depth + 1)).join(",\n") + "\n" + end + "]" : "[]";
  } else if (v !== null && typeof v === "object") {
    const ks = Object.keys(v);
    out = ks.length ? "{\n" + ks.map(k => pad + '<span class="key">' + esc(JSON.stringify(k)) + "</span>: " + pretty(v[k], path + "/" + k.replace(/~/g, "~0").replace(/\//g, "~1"), ptr, depth + 1)).join(",\n") + "\n" + end + "}" : "{}";
  } else {
    out = esc(JSON.stringify(v));
  }
  return ptr !== null && path === ptr ? '<mark class="ptr" data-pointer="' + esc(path) + '">' + out + "</mark>" : out;
}

route();
})();
"""

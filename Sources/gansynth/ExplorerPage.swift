// The page `gansynth serve` shows at /: one self-contained HTML file (no external scripts or fonts), driving the
// JSON and image API. Every image it shows comes with the CLI command that makes the same bytes.

let explorerPage = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gansynth explorer</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 0; display: flex; min-height: 100vh; background: #f4f4f4; color: #222; }
  #controls { width: 300px; padding: 16px; background: #fff; border-right: 1px solid #ddd; }
  #controls label { display: block; margin: 12px 0 4px; font-weight: 600; }
  #controls select, #controls input[type=number], #controls input[type=range] { width: 100%; box-sizing: border-box; }
  .row { display: flex; gap: 6px; } .row > * { flex: 1; }
  #view { flex: 1; padding: 16px; display: flex; flex-direction: column; align-items: center; gap: 12px; }
  #picture { image-rendering: pixelated; background: #000; max-width: 90%; }
  #command { font: 12px ui-monospace, monospace; background: #fff; border: 1px solid #ddd; padding: 8px; width: 90%; word-break: break-all; }
  #error { color: #b00; min-height: 1em; }
  .hidden { display: none; }
</style>
</head>
<body>
<div id="controls">
  <label for="model">Model</label><select id="model"></select>
  <div id="about" style="font-size:12px;color:#666;margin-top:4px"></div>
  <label for="view-mode">View</label>
  <select id="view-mode"><option value="sample">one image</option><option value="grid">grid</option><option value="interpolate">interpolation</option></select>
  <label for="seed">Seed</label>
  <div class="row"><input id="seed" type="number" min="0" max="4294967295" value="0">
    <button id="minus" title="seed − 1">−1</button><button id="plus" title="seed + 1">+1</button><button id="random">random</button></div>
  <div id="seed-b-box" class="hidden"><label for="seed-b">To seed</label><input id="seed-b" type="number" min="0" max="4294967295" value="1">
    <div id="label-to-box" class="hidden"><label for="label-to">or to class (same seed)</label><select id="label-to"></select></div>
    <label for="t">Position along the walk</label><input id="t" type="range" min="0" max="15" value="0"></div>
  <div id="grid-box" class="hidden"><label for="n">Images</label><input id="n" type="number" min="1" max="256" value="16"></div>
  <div id="label-box" class="hidden"><label for="label">Class</label><select id="label"></select></div>
  <div id="trunc-box"><label for="truncation">Truncation <span id="trunc-value">off</span></label>
    <input id="truncation" type="range" min="0" max="100" value="100"></div>
  <div id="psi-box" class="hidden"><label for="psi">Truncation psi <span id="psi-value">1</span></label>
    <input id="psi" type="range" min="0" max="100" value="100"></div>
  <div id="codes"></div>
  <label for="scale">Scale</label><input id="scale" type="number" min="1" max="8" value="4">
  <p><a id="download" download="gansynth.png" href="#">Download this image</a></p>
</div>
<div id="view">
  <img id="picture" alt="generated image">
  <div id="error"></div>
  <div id="command" title="the command that writes exactly this image"></div>
</div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let models = [], current = null, pending = null, queued = false, stripUrl = null;

function model() { return models.find((m) => m.name === $("model").value); }

function query() {
  const m = model(), mode = $("view-mode").value, q = new URLSearchParams({ model: m.name });
  const morph = mode === "interpolate" && m.labels.length && $("label-to").value !== "";
  if (morph) { q.set("seed", $("seed").value); q.set("label_from", $("label").value || "0"); q.set("label_to", $("label-to").value); q.set("steps", "16"); q.set("padding", "0"); }
  else if (mode === "interpolate") { q.set("seeds", $("seed").value + "," + $("seed-b").value); q.set("steps", "16"); q.set("padding", "0"); }
  else if (mode === "grid") { q.set("seed", $("seed").value); q.set("n", $("n").value); }
  else q.set("seed", $("seed").value);
  if (m.labels.length && $("label").value !== "" && !morph) q.set("label", $("label").value);
  if (m.z_distribution === "normal" && !m.w_space && $("truncation").value < 100) q.set("truncation", ($("truncation").value / 100).toFixed(2));
  if (m.w_space && $("psi").value < 100) q.set("psi", ($("psi").value / 100).toFixed(2));
  if (mode !== "interpolate") {
    if (m.categorical.length) q.set("categorical", m.categorical.map((_, k) => $("cat" + k).value).join(","));
    if (m.continuous) q.set("continuous", [...Array(m.continuous).keys()].map((k) => ($("cont" + k).value / 100).toFixed(2)).join(","));
  }
  q.set("scale", $("scale").value);
  return "/api/" + mode + "?" + q.toString();
}

// One request at a time; a change while one runs asks for the newest state once it is back.
async function refresh() {
  if (pending) { queued = true; return; }
  const url = query();
  pending = fetch(url);
  try {
    const r = await pending;
    if (!r.ok) { const e = await r.json(); $("error").textContent = e.error + (e.allowed ? " (allowed: " + e.allowed + ")" : ""); return; }
    $("error").textContent = "";
    const blob = await r.blob();
    if (stripUrl) URL.revokeObjectURL(stripUrl);
    stripUrl = URL.createObjectURL(blob);
    $("picture").src = stripUrl;
    $("download").href = stripUrl;
    $("command").textContent = r.headers.get("X-Gansynth-Command").replace(/ -$/, " out.png");
    showStripCell();
  } catch (e) { $("error").textContent = String(e); }
  finally { pending = null; if (queued) { queued = false; refresh(); } }
}

function showStripCell() {
  const img = $("picture");
  if ($("view-mode").value !== "interpolate") { img.style.objectFit = ""; img.style.objectPosition = ""; img.style.width = ""; img.style.height = ""; return; }
  const m = model(), s = $("scale").value, w = m.output.width * s, h = m.output.height * s;
  img.style.width = w + "px"; img.style.height = h + "px"; img.style.objectFit = "none";
  img.style.objectPosition = (-$("t").value * w) + "px 0";
}

function setModel() {
  const m = model();
  $("about").textContent = (m.description || "").slice(0, 200);
  $("label-box").classList.toggle("hidden", !m.labels.length);
  $("label").innerHTML = '<option value="">drawn from the seed</option>' + m.labels.map((l, i) => '<option value="' + i + '">' + l + "</option>").join("");
  $("label-to").innerHTML = '<option value="">(walk between seeds)</option>' + m.labels.map((l, i) => '<option value="' + i + '">' + l + "</option>").join("");
  $("label-to-box").classList.toggle("hidden", !m.labels.length);
  $("trunc-box").classList.toggle("hidden", m.z_distribution !== "normal" || !!m.w_space);
  $("psi-box").classList.toggle("hidden", !m.w_space);
  let codes = "";
  m.categorical.forEach((k, i) => { codes += '<label for="cat' + i + '">Categorical code ' + (i + 1) + '</label><select id="cat' + i + '">' + [...Array(k).keys()].map((v) => "<option>" + v + "</option>").join("") + "</select>"; });
  for (let i = 0; i < m.continuous; i++) codes += '<label for="cont' + i + '">Continuous code ' + (i + 1) + '</label><input id="cont' + i + '" type="range" min="-100" max="100" value="0">';
  $("codes").innerHTML = codes;
  $("codes").querySelectorAll("input, select").forEach((e) => { e.addEventListener("input", refresh); e.addEventListener("change", refresh); });
  refresh();
}

function setMode() {
  const mode = $("view-mode").value;
  if (mode === "interpolate" && $("seed-b").value === $("seed").value) $("seed-b").value = Number($("seed").value) + 1;
  $("seed-b-box").classList.toggle("hidden", mode !== "interpolate");
  $("grid-box").classList.toggle("hidden", mode !== "grid");
  $("codes").classList.toggle("hidden", mode === "interpolate");
  refresh();
}

function bump(d) { $("seed").value = Math.min(4294967295, Math.max(0, Number($("seed").value) + d)); refresh(); }

$("model").addEventListener("change", setModel);
$("view-mode").addEventListener("change", setMode);
$("minus").addEventListener("click", () => bump(-1));
$("plus").addEventListener("click", () => bump(1));
$("random").addEventListener("click", () => { $("seed").value = Math.floor(Math.random() * 4294967296); refresh(); });
$("t").addEventListener("input", showStripCell);
function changed() {
  $("trunc-value").textContent = $("truncation").value < 100 ? ($("truncation").value / 100).toFixed(2) : "off";
  $("psi-value").textContent = ($("psi").value / 100).toFixed(2);
  refresh();
}
for (const id of ["seed", "seed-b", "label-to", "n", "label", "truncation", "psi", "scale"]) {
  $(id).addEventListener("input", changed);
  $(id).addEventListener("change", changed);
}

fetch("/api/models").then((r) => r.json()).then((list) => {
  models = list;
  $("model").innerHTML = list.map((m) => "<option>" + m.name + "</option>").join("");
  if (list.some((m) => m.name === "\#(ModelLocator.defaultModel)")) $("model").value = "\#(ModelLocator.defaultModel)";
  setModel();
});
</script>
</body>
</html>
"""#

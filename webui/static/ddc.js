// DDC web UI: confirmations, container actions and live updates over
// server-sent events. No inline script anywhere (the CSP forbids it); all
// text from the server is set with textContent, never as HTML.
"use strict";
(function () {
  const meta = (n) => (document.querySelector('meta[name="' + n + '"]') || {}).content || "";
  const base = meta("ddc-base");
  const csrf = meta("ddc-csrf");

  // Forms marked "confirm" ask once more on the button before they submit.
  document.querySelectorAll("form.confirm").forEach((f) => {
    f.addEventListener("submit", (e) => {
      if (f.dataset.armed === "1") return;
      e.preventDefault();
      f.dataset.armed = "1";
      const b = f.querySelector("button");
      b.dataset.label = b.textContent;
      b.textContent = f.dataset.confirm;
      b.classList.add("armed");
      setTimeout(() => { f.dataset.armed = ""; b.textContent = b.dataset.label; b.classList.remove("armed"); }, 5000);
    });
  });

  // The logs page follows the log live.
  const logs = document.getElementById("logs");
  if (logs) {
    const src = logs.dataset.source;
    const es = new EventSource(base + "/logs/stream" + (src ? "?source=" + encodeURIComponent(src) : ""));
    es.addEventListener("line", (m) => {
      const l = JSON.parse(m.data);
      const span = document.createElement("span");
      span.className = "l-" + l.level;
      span.textContent = l.time + " " + l.level + " [" + l.source + "] " + l.text;
      const atEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 20;
      logs.appendChild(span); logs.appendChild(document.createTextNode("\n"));
      while (logs.childNodes.length > 2000) logs.removeChild(logs.firstChild);
      if (atEnd) window.scrollTo(0, document.body.scrollHeight);
    });
  }

  // The plugins page follows the plugins' states, restarts and memory.
  const plugins = document.getElementById("plugins");
  if (plugins) {
    const es = new EventSource(base + "/events?plugins=1");
    es.addEventListener("open", () => { plugins.dataset.live = "on"; });
    es.addEventListener("error", () => { plugins.dataset.live = "off"; });
    es.addEventListener("plugins", (m) => {
      let rows;
      try { rows = JSON.parse(m.data); } catch (e) { return; }
      for (const p of rows) {
        let tr = null;
        for (const r of plugins.querySelectorAll("tr[data-plugin]")) if (r.dataset.plugin === p.id) tr = r;
        if (!tr) { window.location.reload(); return; }
        const set = (cls, text) => { const td = tr.querySelector("." + cls); if (td && td.textContent !== text) td.textContent = text; };
        const st = tr.querySelector(".state");
        if (st.textContent !== p.state) { st.textContent = p.state; st.className = "state s-" + p.state; }
        const en = tr.querySelector(".op-enable"), dis = tr.querySelector(".op-disable");
        if (en && dis) { en.hidden = p.state !== "disabled"; dis.hidden = p.state === "disabled"; }
        set("version", p.version); set("restarts", String(p.restarts));
        set("memory", p.memory_text); set("limit", p.limit_text); set("error small", p.last_error || "");
      }
    });
  }

  const table = document.getElementById("containers");
  if (!table) return;
  const labels = document.getElementById("op-labels").dataset;
  const tbody = table.querySelector("tbody");

  async function api(method, path, body) {
    const opts = { method: method, headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    const r = await fetch(base + path, opts);
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.message || r.statusText);
    return data;
  }

  function allows(c, op) {
    if (!c.reachable || !(c.actions || []).includes(op)) return false;
    if (op === "start" && c.state === "running") return false;
    if (op === "stop" && c.state !== "running") return false;
    return !c.protected || (op !== "stop" && op !== "restart");
  }

  function cell(tr, cls, text) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    if (text !== undefined) td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function button(cls, ref, op, text) {
    const b = document.createElement("button");
    b.className = cls; b.dataset.ref = ref; if (op) b.dataset.op = op;
    b.dataset.confirm = labels.confirm; b.textContent = text;
    return b;
  }

  function renderRow(c) {
    const tr = document.createElement("tr");
    tr.dataset.ref = c.container;
    const name = cell(tr, "name", c.display_name);
    if (c.display_name !== c.name) {
      const s = document.createElement("small"); s.textContent = " (" + c.name + ")"; name.appendChild(s);
    }
    cell(tr, "", c.endpoint);
    cell(tr, "state s-" + c.state, c.state);
    cell(tr, "health", c.health || "");
    const img = cell(tr, "image"); const s = document.createElement("small"); s.textContent = c.image; img.appendChild(s);
    const acts = cell(tr, "actions");
    ["start", "stop", "restart"].forEach((op) => { if (allows(c, op)) acts.appendChild(button("act", c.container, op, labels[op])); });
    if (c.show_stats) acts.appendChild(button("stats", c.container, "", labels.stats));
    const res = document.createElement("span"); res.className = "result"; acts.appendChild(res);
    return tr;
  }

  function findRow(ref) {
    for (const tr of tbody.querySelectorAll("tr[data-ref]")) if (tr.dataset.ref === ref) return tr;
    return null;
  }

  async function reload() {
    try {
      const list = await api("GET", "/api/v1/containers");
      tbody.replaceChildren(...list.containers.map(renderRow));
    } catch (e) { /* the next event or reconnect tries again */ }
  }

  function applyState(ev) {
    const tr = findRow(ev.container);
    if (!ev.visible) { if (tr) tr.remove(); return; }
    if (!tr) { reload(); return; }
    const fresh = renderRow(ev);
    const old = tr.querySelector(".result");
    if (old && old.textContent) fresh.querySelector(".result").textContent = old.textContent;
    tr.replaceWith(fresh);
  }

  tbody.addEventListener("click", async (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    const tr = b.closest("tr");
    const res = tr.querySelector(".result");
    if (b.classList.contains("stats")) {
      res.textContent = "…";
      try {
        const s = await api("GET", "/api/v1/containers/stats?container=" + encodeURIComponent(b.dataset.ref));
        res.textContent = s.summary;
      } catch (err) { res.textContent = err.message; }
      return;
    }
    if (!b.classList.contains("armed")) {
      b.classList.add("armed"); b.dataset.label = b.textContent; b.textContent = b.dataset.confirm;
      setTimeout(() => { if (b.isConnected && b.classList.contains("armed")) { b.classList.remove("armed"); b.textContent = b.dataset.label; } }, 5000);
      return;
    }
    b.classList.remove("armed"); b.textContent = b.dataset.label; b.disabled = true;
    res.textContent = "…";
    try {
      const r = await api("POST", "/api/v1/containers/action", { container: b.dataset.ref, action: b.dataset.op });
      const row = findRow(b.dataset.ref);
      if (row) row.querySelector(".result").textContent = r.message || (r.ok ? "ok" : "failed");
    } catch (err) {
      const row = findRow(b.dataset.ref);
      if (row) row.querySelector(".result").textContent = err.message;
    } finally { b.disabled = false; }
  });

  const live = document.getElementById("live");
  function connect() {
    const es = new EventSource(base + "/events");
    es.addEventListener("open", () => { live.textContent = live.dataset.labelOn; live.className = "on"; reload(); });
    es.addEventListener("state", (m) => { try { applyState(JSON.parse(m.data)); } catch (e) { reload(); } });
    es.addEventListener("resync", reload);
    es.addEventListener("error", () => { live.textContent = live.dataset.labelOff; live.className = "off"; });
  }
  connect();
})();

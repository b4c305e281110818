// Coordinator board: live requests, clinicians and positions from dispatch's event stream.
// Data only ever goes into the page through textContent / DOM attributes, never as HTML.
"use strict";

(function () {
  const TOKEN_KEY = "cch.dispatch.board.token";
  const HELD = ["assigned", "accepted"];
  const STATES = ["on-track", "at-risk", "breached", "on-scene"];

  const view = {
    token: null,
    snapshot: null,
    offsetMs: 0, // server clock minus this browser's clock
    source: null,
    retryMs: 1000,
    retryTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("data-")) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
    }
    return node;
  }

  // ---- sign-in and connection -------------------------------------------------------------

  function notice(text) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function connection(text, live) {
    const p = $("connection");
    p.textContent = text;
    p.className = "connection " + (live ? "connection-live" : "connection-off");
  }

  function showLogin(message) {
    disconnect();
    view.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("login").hidden = false;
    $("board").hidden = true;
    $("sign-out").hidden = true;
    connection("Not connected", false);
    notice(message || "");
  }

  function disconnect() {
    if (view.source) view.source.close();
    view.source = null;
    clearTimeout(view.retryTimer);
  }

  async function api(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: {
        Authorization: "Bearer " + view.token,
        "Content-Type": "application/json",
        Accept: "application/json, application/problem+json",
      },
      body: JSON.stringify(body || {}),
      cache: "no-store",
      credentials: "omit",
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (e) {
      payload = null;
    }
    if (!response.ok) {
      const detail = (payload && (payload.detail || payload.title)) || response.statusText;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return payload;
  }

  async function connect() {
    disconnect();
    connection("Connecting…", false);
    let ticket;
    try {
      ticket = await api("stream-ticket");
    } catch (e) {
      if (e.status === 401 || e.status === 403) {
        showLogin("The token was refused (" + e.message + "). Paste a coordinator token.");
      } else {
        retryLater("Cannot reach dispatch: " + e.message);
      }
      return;
    }
    const source = new EventSource("stream?ticket=" + encodeURIComponent(ticket.ticket));
    view.source = source;
    source.addEventListener("open", () => {
      view.retryMs = 1000;
      connection("Live", true);
    });
    source.addEventListener("board", (event) => {
      const snapshot = JSON.parse(event.data);
      syncClock(snapshot.as_of);
      view.snapshot = snapshot;
      render();
    });
    source.addEventListener("clock", (event) => syncClock(JSON.parse(event.data).now));
    source.addEventListener("expired", () => showLogin("The token has expired. Paste a new one."));
    // A ticket works once, so a dropped stream reconnects with a fresh ticket, not the old URL.
    source.addEventListener("error", () => {
      if (view.source === source) retryLater("Connection lost; reconnecting…");
    });
  }

  function retryLater(message) {
    disconnect();
    connection(message, false);
    view.retryTimer = setTimeout(connect, view.retryMs);
    view.retryMs = Math.min(view.retryMs * 2, 15000);
  }

  function syncClock(serverIso) {
    const server = Date.parse(serverIso);
    if (!Number.isNaN(server)) view.offsetMs = server - Date.now();
  }

  const serverNow = () => Date.now() + view.offsetMs;

  // ---- presentation -----------------------------------------------------------------------

  const clockTime = (iso) =>
    iso
      ? new Date(iso).toLocaleTimeString("en-GB", {
          hour: "2-digit",
          minute: "2-digit",
          timeZone: "Europe/London",
        })
      : "";

  function leftText(ms) {
    const late = ms < 0;
    const total = Math.floor(Math.abs(ms) / 1000);
    const text = Math.floor(total / 60) + "m " + String(total % 60).padStart(2, "0") + "s";
    return late ? text + " over" : text;
  }

  // The server's state, brought forward between its checks as the clock runs down.
  function displayState(request, msLeft) {
    if (request.state === "breached" || request.state === "on-scene") return request.state;
    if (request.status !== "arrived" && msLeft <= 0) return "breached";
    const margin = (view.snapshot.at_risk_margin_min || 0) * 60000;
    if (request.state === "at-risk" || msLeft <= margin) return "at-risk";
    return "on-track";
  }

  function setState(row, state) {
    for (const s of STATES) row.classList.toggle("state-" + s, s === state);
    row.setAttribute("data-state", state);
    const label = row.querySelector(".state-label");
    if (label) label.textContent = state.replace("-", " ");
  }

  function actionsFor(request) {
    const cell = el("td", { class: "actions" });
    const proposed = request.proposal && request.proposal.clinician_id;
    if (request.status === "requested" && proposed) {
      cell.append(
        el(
          "button",
          {
            type: "button",
            class: "assign",
            title: request.proposal.why || "",
            onclick: (e) => act(e.target, () => assign(request.id, proposed)),
          },
          "Assign " + proposed,
        ),
      );
    }
    if (HELD.includes(request.status) && proposed && proposed !== request.clinician_id) {
      cell.append(
        el(
          "button",
          {
            type: "button",
            class: "reassign",
            title: request.proposal.why || "",
            onclick: (e) => act(e.target, () => reassign(request, proposed)),
          },
          "Reassign to " + proposed,
        ),
      );
    }
    if (HELD.includes(request.status)) {
      cell.append(
        el(
          "button",
          {
            type: "button",
            class: "decline quiet",
            onclick: (e) => act(e.target, () => decline(request, "returned to the queue from the board")),
          },
          "Return to queue",
        ),
      );
    }
    return cell;
  }

  function requestRow(request) {
    const msLeft = Date.parse(request.deadline) - serverNow();
    const proposal = request.proposal || {};
    const row = el(
      "tr",
      { class: "request status-" + request.status, "data-request-id": request.id },
      el("td", { class: "left", "data-deadline": request.deadline }, leftText(msLeft)),
      el("td", {}, clockTime(request.received_at)),
      el("td", {}, el("span", { class: "state-label" }), el("br"), el("small", {}, request.status)),
      el("td", { class: "priority" }, request.priority),
      el("td", { class: "reason" }, request.reason),
      el("td", {}, (request.skills_needed || []).join(", ") || "—"),
      el("td", {}, request.locality || "—"),
      el("td", { class: "clinician" }, request.clinician_id || "—"),
      el(
        "td",
        { class: "proposal" },
        el("strong", {}, proposal.clinician_id || "none"),
        proposal.projected_arrival ? " · ETA " + clockTime(proposal.projected_arrival) : "",
        el("br"),
        el("small", {}, proposal.why || ""),
      ),
      actionsFor(request),
    );
    setState(row, displayState(request, msLeft));
    return row;
  }

  function clinicianRow(c) {
    return el(
      "tr",
      { class: "clinician status-" + c.status, "data-clinician-id": c.id },
      el("td", {}, el("strong", {}, c.id), el("br"), el("small", {}, c.name || "")),
      el("td", { class: "status" }, c.status.replace("-", " ")),
      el("td", {}, (c.skills || []).join(", ")),
      el("td", {}, c.request_id || "—"),
    );
  }

  function render() {
    const snapshot = view.snapshot;
    if (!snapshot) return;
    const requests = [...snapshot.requests].sort(
      (a, b) => Date.parse(a.deadline) - Date.parse(b.deadline),
    );
    $("requests").tBodies[0].replaceChildren(...requests.map(requestRow));
    $("no-requests").hidden = requests.length > 0;
    $("request-count").textContent = "(" + requests.length + ")";
    $("clinicians").tBodies[0].replaceChildren(...snapshot.clinicians.map(clinicianRow));
    const free = snapshot.clinicians.filter((c) => c.status === "available").length;
    $("clinician-count").textContent = `(${free} available of ${snapshot.clinicians.length})`;
    window.BoardMap.draw($("map"), snapshot, (r) =>
      displayState(r, Date.parse(r.deadline) - serverNow()),
    );
    document.body.setAttribute("data-version", String(snapshot.version));
    tick();
  }

  function tick() {
    const snapshot = view.snapshot;
    if (!snapshot) return;
    $("as-of").textContent = "Board time " + clockTime(new Date(serverNow()).toISOString());
    const byId = new Map(snapshot.requests.map((r) => [r.id, r]));
    for (const row of $("requests").tBodies[0].rows) {
      const request = byId.get(row.getAttribute("data-request-id"));
      if (!request) continue;
      const msLeft = Date.parse(request.deadline) - serverNow();
      row.cells[0].textContent = request.status === "arrived" ? "arrived" : leftText(msLeft);
      setState(row, displayState(request, msLeft));
    }
  }

  // ---- one-click actions ------------------------------------------------------------------

  const requestPath = (id, step) => "../requests/" + encodeURIComponent(id) + "/" + step;

  function assign(id, clinicianId) {
    return api(requestPath(id, "assign"), { clinician_id: clinicianId });
  }

  function decline(request, reason) {
    return api(requestPath(request.id, "decline"), { reason });
  }

  // One step on the server: the request moves and the first clinician is freed together, and
  // is not recorded as having declined.
  function reassign(request, clinicianId) {
    return api(requestPath(request.id, "reassign"), {
      clinician_id: clinicianId,
      reason: "the engine proposes " + clinicianId + " from the board",
    });
  }

  async function act(button, action) {
    const row = button.closest("tr");
    for (const b of row.querySelectorAll("button")) b.disabled = true;
    notice("");
    try {
      await action(); // the stream brings the new state; nothing to redraw by hand
    } catch (e) {
      if (e.status === 401) showLogin("The token was refused; paste a new one.");
      else notice("Not done: " + e.message);
      for (const b of row.querySelectorAll("button")) b.disabled = false;
    }
  }

  // ---- start ------------------------------------------------------------------------------

  function start(token) {
    view.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("login").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    notice("");
    connect();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
      $("token").value = "";
      if (token) start(token);
    });
    $("sign-out").addEventListener("click", () => showLogin("Token forgotten."));
    setInterval(tick, 1000);
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) start(saved);
    else showLogin("");
  });
})();

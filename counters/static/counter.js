/* Guichet agent workstation: counter chooser, call and ticket actions, dialogs, live queue board.

   Everything comes from the REST API of docs/contracts/counter.md; writes carry the session's CSRF
   token. Socket.IO events are hints: any of them reloads the board, the current ticket and the parked
   list (debounced), and every (re)connection reloads everything. The server is always right: after an
   error the page shows the API's French message and reloads what it shows. */
(function () {
  "use strict";

  var data = Guichet.pageData();
  var T = Guichet.pageText();
  var HINT_DEBOUNCE_MS = 200;
  var PERIODIC_REFRESH_MS = 30000;   // over-target counts change with time alone, without any event
  var RECONNECT_MS = 5000;
  var FETCH_TIMEOUT_MS = 15000;
  var HINTS = ["ticket_called", "queue_changed", "ticket_changed", "counter_changed", "case_changed", "settings_changed"];
  var SHORTCUTS = {
    n: "btn-call", r: "btn-recall", c: "btn-start", a: "btn-noshow", f: "btn-finish",
    t: "btn-transfer", p: "btn-park", e: "btn-requeue", s: "btn-walkin"
  };
  var LOCALE = document.documentElement.lang || "fr";

  var state = {
    me: null, config: null, counter: null, counters: [], ticket: null, parked: [], board: null,
    boardAt: 0, busy: false, loads: 0, writes: 0
  };
  var socket = null;

  var G = window.Guichet;
  var $ = G.$, fmt = G.fill, el = G.el;
  // Times at the site (its zone and the server's time come with the board, loaded before any render).
  var siteClock = new G.Clock(undefined, LOCALE);
  function siteSlug() { return (state.me && state.me.site) || data.site || null; }
  function now() { return siteClock.now(); }

  /* ---------- time words ---------- */
  function durationLive(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) return fmt(T.duration_s, { s: s });
    if (s < 3600) return fmt(T.duration_ms, { m: Math.floor(s / 60), s: s % 60 });
    return fmt(T.duration_hm, { h: Math.floor(s / 3600), m: Math.floor(s % 3600 / 60) });
  }
  function durationShort(seconds) {
    var m = Math.max(0, Math.floor(seconds / 60));
    if (m < 60) return fmt(T.duration_m, { m: m });
    return fmt(T.duration_hm, { h: Math.floor(m / 60), m: m % 60 });
  }
  function clock(iso) { return iso ? siteClock.time(iso) : ""; }
  function dateTime(iso) { return iso ? siteClock.dateTime(iso) : ""; }
  function since(iso) { return siteClock.since(iso); }

  /* ---------- messages ---------- */
  function showError(message) { $("c-alert").textContent = message || T.error_generic; }
  function clearError() { $("c-alert").textContent = ""; }
  function announce(message) { G.announce("c-status", message); }

  /* ---------- the API ---------- */
  function api(method, path, body) {
    var write = method !== "GET";
    // A write counts when it leaves and again once its answer is read (the caller applies it in the
    // same turn): a reload that saw either count change may hold data from before it (doRefresh).
    if (write) state.writes += 1;
    // A request never hangs the page: after FETCH_TIMEOUT_MS it fails like a network error.
    var sent = G.request(method, "/api/v1" + path, body, {
      csrf: data.csrf, timeoutMs: FETCH_TIMEOUT_MS, fallback: T.error_generic, network: T.error_network,
      // the session ended: sign in again, then come back
      onUnauthorized: function () { window.location.assign(data.login_url); }
    });
    if (!write) return sent;
    return sent.then(function (answer) { state.writes += 1; return answer; },
      function (e) { state.writes += 1; throw e; });
  }

  /* ---------- loading ---------- */
  function loadMe() {
    return api("GET", "/me").then(function (me) {
      state.me = me;
      state.counter = me.counter || null;
    });
  }
  function loadConfig() {
    return api("GET", "/sites/" + encodeURIComponent(siteSlug()) + "/workstation").then(function (cfg) {
      state.config = cfg;
      if (cfg.site && cfg.site.name) {
        document.querySelectorAll("[data-site-name]").forEach(function (n) { n.textContent = cfg.site.name; });
      }
      fillDialogs();
    });
  }
  function loadCounters() {
    return api("GET", "/sites/" + encodeURIComponent(siteSlug()) + "/counters").then(function (r) {
      state.counters = r.counters || [];
    });
  }

  function findCounter(board, id) {
    return (board.counters || []).filter(function (c) { return c.id === id; })[0] || null;
  }

  // Loads everything, then shows it, unless a write of this page was answered meanwhile: then the
  // data may predate it, and another pass runs instead (the page never goes back to a stale state).
  // The board also says who sits where: if this agent no longer sits at their counter (closed, or
  // taken over by a manager), the server says where they are now.
  function doRefresh(full) {
    var seq = state.writes;
    var got = { me: state.me, counter: state.counter, ticket: null, parked: [], counters: state.counters, board: null };
    var slug = function () { return encodeURIComponent((got.me && got.me.site) || data.site); };
    function whoAmI() {
      return api("GET", "/me").then(function (me) { got.me = me; got.counter = me.counter || null; });
    }
    var steps = Promise.resolve();
    if (full || !got.me) steps = steps.then(whoAmI);
    if (full || !state.config) steps = steps.then(loadConfig);
    return steps
      .then(function () { return api("GET", "/sites/" + slug() + "/board"); })
      .then(function (board) {
        got.board = board;
        var mine = got.counter && findCounter(board, got.counter.id);
        if (mine) got.counter = mine;
        if (!got.counter || (mine && mine.agent && got.me && mine.agent.id === got.me.id && mine.status !== "closed")) return null;
        return whoAmI().then(function () { if (got.counter) got.counter = findCounter(board, got.counter.id) || got.counter; });
      })
      .then(function () {
        if (!got.counter) {
          return api("GET", "/sites/" + slug() + "/counters").then(function (r) { got.counters = r.counters || []; });
        }
        return Promise.all([
          api("GET", "/counters/" + got.counter.id + "/current"),
          api("GET", "/sites/" + slug() + "/parked")
        ]).then(function (r) {
          got.ticket = (r[0] && r[0].ticket) || null;
          got.parked = (r[1] && r[1].tickets) || [];
        });
      })
      .then(function () {
        if (seq !== state.writes) { again = true; return; }
        state.me = got.me;
        state.counter = got.counter;
        state.ticket = got.ticket;
        state.parked = got.parked;
        state.counters = got.counters;
        state.board = got.board;
        siteClock.setZone(got.board.timezone);
        if (got.board.server_time) siteClock.sync(got.board.server_time);
        state.boardAt = siteClock.now();
        render();
        state.loads += 1;
        document.body.setAttribute("data-loads", String(state.loads));
      });
  }

  // One refresh at a time; asking during one runs another afterwards (never a stale last word).
  var refreshing = null, again = false, againFull = false;
  function refresh(full) {
    if (refreshing) {
      again = true; againFull = againFull || !!full;
      return refreshing;
    }
    var first = !!full;
    refreshing = (function loop(f) {
      again = false; againFull = false;
      return doRefresh(f).catch(function (e) { showError(e.message); }).then(function () {
        if (again) return loop(againFull);
        return null;
      });
    })(first).then(function () { refreshing = null; });
    return refreshing;
  }

  var hintTimer = null;
  function onHint() {
    clearTimeout(hintTimer);
    hintTimer = setTimeout(function () { refresh(false); }, HINT_DEBOUNCE_MS);
  }

  /* ---------- rendering ---------- */
  function setEnabled(button, enabled) {
    if (enabled) button.removeAttribute("aria-disabled");
    else button.setAttribute("aria-disabled", "true");
  }
  function isEnabled(button) { return button.getAttribute("aria-disabled") !== "true"; }
  function shown(node) {
    for (var n = node; n && n !== document.body; n = n.parentElement) { if (n.hidden) return false; }
    return !!node;
  }

  function statusLabel(status) { return T["status_" + status] || status; }
  function counterStatusLabel(status) { return T["counter_" + status] || status; }
  function counterLabel(c) { return c.name || String(c.number); }
  function serviceLabel(code) {
    var sv = state.config && state.config.services.filter(function (s) { return s.code === code; })[0];
    return sv ? sv.label : code;
  }

  // Counters serve many services: the ones they favour (highest weight) first, the rest counted.
  function servicesSummary(list) {
    var labels = (list || []).slice().sort(function (a, b) { return (b.weight || 1) - (a.weight || 1); })
      .map(function (s) { return s.label || serviceLabel(s.code); });
    if (!labels.length) return T.all_services;
    if (labels.length <= 3) return labels.join(", ");
    return fmt(T.services_more, { list: labels.slice(0, 2).join(", "), n: labels.length - 2 });
  }

  function render() {
    var sitting = !!state.counter;
    $("chooser").hidden = sitting;
    $("workstation").hidden = !sitting;
    $("counterbar").hidden = !sitting;
    var title = sitting ? fmt(T.title_counter, { counter: counterLabel(state.counter) }) : $("c-title").getAttribute("data-default");
    $("c-title").textContent = title;
    document.title = title + " — Guichet";
    if (sitting) renderWorkstation(); else renderChooser();
    renderBoard();
  }

  // Lists with buttons are updated in place (keyed rows): a reload on someone else's hint never
  // takes the focus away from the button an agent is on, nor swallows a click.
  function reconcile(container, items, keyOf, create, update) {
    var existing = {};
    Array.prototype.slice.call(container.children).forEach(function (node) {
      existing[node.getAttribute("data-key")] = node;
    });
    var keys = items.map(function (item) { return String(keyOf(item)); });
    Object.keys(existing).forEach(function (key) {
      if (keys.indexOf(key) < 0) container.removeChild(existing[key]);
    });
    items.forEach(function (item, index) {
      var node = existing[keys[index]];
      if (!node) { node = create(item); node.setAttribute("data-key", keys[index]); }
      update(node, item);
      if (container.children[index] !== node) container.insertBefore(node, container.children[index] || null);
    });
  }

  function createCounterRow() {
    var row = el("tr", {}, [
      el("th", { scope: "row" }),
      el("td", {}, [el("span", { className: "c-badge" })]),
      el("td"),
      el("td", { className: "c-small" }),
      el("td", {}, [el("button", { type: "button" }), el("span")])
    ]);
    row.querySelector("button").addEventListener("click", function () { occupy(row.counter); });
    return row;
  }

  function updateCounterRow(row, c) {
    row.counter = c;
    var cells = row.children;
    var taken = !!(c.agent && state.me && c.agent.id !== state.me.id);
    cells[0].textContent = counterLabel(c);
    var badge = cells[1].firstChild;
    badge.textContent = counterStatusLabel(c.status);
    badge.setAttribute("data-status", c.status);
    cells[2].textContent = c.agent ? (taken ? c.agent.name : T.counter_yours) : T.counter_free;
    cells[3].textContent = servicesSummary(c.services);
    var button = cells[4].querySelector("button");
    var note = cells[4].querySelector("span");
    var allowed = !taken || data.manager;
    button.hidden = !allowed;
    note.hidden = allowed;
    // Short words on the button, the counter's name in its accessible name (the row says it too).
    button.className = "s-button c-occupy" + (taken ? " s-button-quiet" : "");
    button.setAttribute("data-occupy", String(c.id));
    button.setAttribute("aria-label", fmt(taken ? T.take_over : T.occupy, { counter: counterLabel(c) }));
    button.textContent = taken ? T.take_over_short : T.occupy_short;
    note.textContent = taken ? fmt(T.counter_occupied_by, { name: c.agent.name }) : "";
  }

  function renderChooser() {
    if (!siteSlug()) { $("chooser-empty").hidden = false; $("chooser-empty").textContent = T.no_site; return; }
    $("chooser-empty").hidden = state.counters.length > 0;
    $("chooser-empty").textContent = T.no_counters;
    reconcile($("chooser-body"), state.counters, function (c) { return c.id; }, createCounterRow, updateCounterRow);
  }

  function renderWorkstation() {
    var c = state.counter;
    var t = state.ticket;
    var badge = $("counter-state");
    badge.textContent = counterStatusLabel(c.status);
    badge.setAttribute("data-status", c.status);
    $("counter-services").textContent = fmt(T.services_of_counter, { list: servicesSummary(c.services) });
    var all = $("counter-services-list");
    all.textContent = "";
    (c.services || []).forEach(function (s) { all.appendChild(el("li", { text: s.label || serviceLabel(s.code) })); });
    $("counter-services-all").hidden = (c.services || []).length <= 3;
    var paused = c.status === "paused";
    $("btn-pause").hidden = paused;
    $("btn-reopen").hidden = !paused;

    var call = $("btn-call");
    setEnabled(call, !t && c.status === "open");
    $("call-hint").textContent = t ? T.call_hint_busy : (paused ? T.call_hint_paused : T.call_hint_ready);
    setEnabled($("btn-walkin"), !t);

    var current = $("current");
    current.setAttribute("data-state", t ? t.status : "empty");
    $("current-empty").hidden = !!t;
    $("current-ticket").hidden = !t;
    if (t) renderTicket(t);
    renderParked();
  }

  function renderTicket(t) {
    $("t-number").textContent = t.number;
    var st = $("t-state");
    st.textContent = statusLabel(t.status);
    st.setAttribute("data-status", t.status);
    $("t-priority").hidden = !t.priority;
    var reason = t.priority_reason ? T["priority_" + t.priority_reason] || t.priority_reason : "";
    $("t-priority-reason").textContent = reason ? " — " + reason : "";
    var flags = [];
    if (t.source === "counter") flags.push(T.walk_in_source);
    if (t.transferred_from) flags.push(T.transferred + (t.placed_first ? " (" + T.placed_first + ")" : ""));
    $("t-transfer").hidden = flags.length === 0;
    $("t-transfer").textContent = flags.join(" · ");
    $("t-service").textContent = t.service_label || serviceLabel(t.service);
    $("t-wait").textContent = t.wait_s == null ? T.none : durationShort(t.wait_s);
    $("t-recalls").textContent = String(t.recall_count || 0);
    $("t-elapsed-label").textContent = t.status === "serving" ? T.elapsed_serving : T.elapsed_called;
    var appt = t.appointment;
    $("t-appointment").hidden = !appt;
    if (appt) {
      var text = fmt(T.appointment, { time: clock(appt.starts_at), minutes: appt.duration_min, code: appt.code });
      if (appt.expert) text += " " + fmt(T.appointment_expert, { name: appt.expert.name });
      $("t-appointment-text").textContent = text;
    }
    var called = t.status === "called", serving = t.status === "serving";
    $("btn-start").hidden = !called;
    $("btn-recall").hidden = !called;
    $("btn-noshow").hidden = !called;
    $("btn-finish").hidden = !serving;
    $("btn-transfer").hidden = !(called || serving);
    $("btn-park").hidden = !(called || serving);
    $("btn-requeue").hidden = !(called || serving);
    var needed = (state.config && state.config.min_recalls_before_no_show) || 0;
    var done = t.recall_count || 0;
    setEnabled($("btn-noshow"), done >= needed);
    $("noshow-hint").hidden = !called || done >= needed;
    $("noshow-hint").textContent = fmt(T.noshow_hint, { done: done, min: needed });
    tick();
  }

  function createParkedItem() {
    var resume = el("button", { type: "button", className: "s-button s-button-go" });
    var unpark = el("button", { type: "button", className: "s-button s-button-quiet" });
    var item = el("li", { className: "c-parked-item" }, [
      el("span", { className: "c-parked-label" }, [el("strong", { className: "c-parked-number" }), el("span")]),
      el("span", { className: "c-parked-actions" }, [resume, unpark])
    ]);
    resume.addEventListener("click", function () {
      if (!isEnabled(resume)) { announce(T.call_hint_busy); return; }
      act(item.ticket, "resume", { counter: state.counter.id }, T.announce_resumed);
    });
    unpark.addEventListener("click", function () { act(item.ticket, "unpark", {}, T.announce_unparked); });
    return item;
  }

  function updateParkedItem(item, p) {
    item.ticket = p;
    var holding = !!state.ticket;
    item.querySelector(".c-parked-number").textContent = p.number;
    item.querySelector(".c-parked-label span").textContent = " — " + (p.service_label || serviceLabel(p.service));
    var buttons = item.querySelectorAll("button");
    buttons[0].textContent = fmt(T.resume, { number: p.number });
    buttons[0].setAttribute("data-resume", String(p.id));
    setEnabled(buttons[0], !holding);
    if (holding) buttons[0].setAttribute("aria-describedby", "call-hint");
    else buttons[0].removeAttribute("aria-describedby");
    buttons[1].textContent = fmt(T.unpark, { number: p.number });
    buttons[1].setAttribute("data-unpark", String(p.id));
  }

  function renderParked() {
    $("parked-empty").hidden = state.parked.length > 0;
    reconcile($("parked-list"), state.parked, function (p) { return p.id; }, createParkedItem, updateParkedItem);
  }

  function renderBoard() {
    var b = state.board;
    if (!b) return;
    var body = $("board-services");
    body.textContent = "";
    var waiting = 0, over = 0;
    (b.services || []).forEach(function (s) {
      waiting += s.waiting || 0;
      over += s.over_target || 0;
      if (!s.waiting) return;  // the board lists who waits; quiet services are not news
      var name = el("th", { scope: "row" }, [s.label]);
      if (s.over_target) {
        name.appendChild(el("span", { className: "c-over-text" }, [
          el("span", { "aria-hidden": "true", text: "⚠ " }),
          fmt(T.over_target, { n: s.over_target, target: durationShort(s.target_wait_s) })
        ]));
      }
      var longest = el("td", { className: "s-num", "data-longest": String(s.longest_wait_s || 0),
        text: s.waiting ? durationShort(s.longest_wait_s) : "—" });
      body.appendChild(el("tr", { className: s.over_target ? "c-over" : "", "data-service": s.code }, [
        name, el("td", { className: "s-num", text: String(s.waiting) }), longest
      ]));
    });
    $("board-empty").hidden = waiting > 0;
    $("board-services").closest("table").hidden = waiting === 0;
    $("board-summary").textContent = fmt(T.board_summary, { waiting: waiting, over: over, parked: b.parked || 0 });
    var counters = $("board-counters");
    counters.textContent = "";
    var open = (b.counters || []).filter(function (c) { return c.status !== "closed"; });
    $("board-no-counter").hidden = open.length > 0;
    open.forEach(function (c) {
      var mine = state.counter && c.id === state.counter.id;
      var parts = [el("strong", { text: counterLabel(c) })];
      parts.push(" — " + (c.agent ? (mine ? T.counter_yours : c.agent.name) : T.counter_free));
      if (c.status !== "open") parts.push(" ", el("span", { className: "c-badge", "data-status": c.status, text: counterStatusLabel(c.status) }));
      if (c.ticket) {
        parts.push(" · ", el("span", { className: "c-board-ticket", text: fmt(T.counter_ticket, { number: c.ticket.number }) }),
          " (" + statusLabel(c.ticket.status) + ")");
      }
      counters.appendChild(el("li", { "data-counter": String(c.id) }, parts));
    });
    $("board-updated").textContent = fmt(T.board_updated, { time: siteClock.time(state.boardAt) });
  }

  // Live durations: the current ticket's clocks and the board's longest waits.
  function tick() {
    var t = state.ticket;
    if (t && !$("current-ticket").hidden) {
      $("t-arrived").textContent = t.arrived_at
        ? fmt(T.arrived_ago, { time: clock(t.arrived_at), ago: durationLive(since(t.arrived_at)) }) : "";
      var from = t.status === "serving" ? t.started_at : t.called_at;
      $("t-elapsed").textContent = from ? durationLive(since(from)) : "";
    }
    var extra = (siteClock.now() - state.boardAt) / 1000;
    document.querySelectorAll("#board-services [data-longest]").forEach(function (cell) {
      var base = Number(cell.getAttribute("data-longest"));
      if (base > 0) cell.textContent = durationShort(base + extra);
    });
  }

  /* ---------- focus ---------- */
  function primaryControl() {
    if (!state.counter) {
      var first = document.querySelector("#chooser-body button");
      return first || $("chooser-title");
    }
    var t = state.ticket;
    if (!t) return $("btn-call");
    if (t.status === "called") return $("btn-start");
    if (t.status === "serving") return $("btn-finish");
    return $("current-title");
  }
  // After the agent's own action, focus goes where the next step is (never lost on <body>).
  function focusNext(preferred) {
    var target = preferred && shown(preferred) ? preferred : primaryControl();
    if (target && shown(target)) target.focus();
  }

  /* ---------- actions ---------- */
  // Busy only while the write is in flight: the page shows the server's answer at once, then
  // reloads the rest (a click during that reload is never lost).
  function run(work, message, focusTarget) {
    if (state.busy) return Promise.resolve();
    state.busy = true;
    // Not aria-busy on the page: screen readers would hold back the live regions' news meanwhile.
    document.body.setAttribute("data-busy", "true");
    clearError();
    function done() { state.busy = false; document.body.removeAttribute("data-busy"); }
    return work().then(function (result) {
      done();
      if (message) announce(typeof message === "function" ? message(result) : message);
      render();
      focusNext(typeof focusTarget === "function" ? focusTarget() : focusTarget);
      return refresh(false).then(keepFocus);
    }, function (e) {
      done();
      showError(e.message);
      return refresh(false).then(keepFocus);
    });
  }

  // A reload may hide the focused control (the ticket changed): focus the next step instead.
  function keepFocus() {
    var active = document.activeElement;
    if (document.querySelector("dialog[open]")) return;
    if (!active || active === document.body || !shown(active)) focusNext(null);
  }

  // What a ticket action answered: the ticket stays at this counter (recall, start, resume) or leaves it.
  function applyTicket(before, result) {
    state.parked = state.parked.filter(function (p) { return !result || p.id !== result.id; });
    var here = result && result.counter && state.counter && result.counter.id === state.counter.id &&
      (result.status === "called" || result.status === "serving");
    if (here) state.ticket = result;
    else if (state.ticket && before && state.ticket.id === before.id) state.ticket = null;
    return result;
  }

  function occupy(c) {
    run(function () {
      return api("POST", "/counters/" + c.id + "/occupy", {}).then(function (counter) {
        state.counter = counter;
        state.ticket = null;
        return counter;
      });
    }, function (counter) { return fmt(T.announce_occupied, { counter: counterLabel(counter) }); }, $("btn-call"));
  }

  function setStatus(status, message) {
    var closing = status === "closed";
    run(function () {
      return api("POST", "/counters/" + state.counter.id + "/status", { status: status }).then(function (counter) {
        state.counter = closing ? null : counter;
        if (!closing) return counter;
        state.ticket = null;
        return loadCounters().then(function () { return counter; });
      });
    }, message, function () { return closing ? $("chooser-title") : null; });
  }

  function callNext() {
    run(function () {
      return api("POST", "/counters/" + state.counter.id + "/call-next", {}).then(function (ticket) {
        $("case-notice").hidden = true;
        if (ticket) state.ticket = ticket;
        return ticket;
      });
    }, function (ticket) {
      return ticket ? fmt(T.announce_called, { number: ticket.number, counter: counterLabel(state.counter) }) : T.announce_nobody;
    });
  }

  var ACTION_WORDS = {
    recall: "announce_recalled", start: "announce_started", "no-show": "announce_noshow",
    requeue: "announce_requeued", park: "announce_parked"
  };

  function act(ticket, action, body, message) {
    return run(function () {
      return api("POST", "/tickets/" + ticket.id + "/" + action, body || {}).then(function (result) {
        return applyTicket(ticket, result);
      });
    }, typeof message === "function" ? message : fmt(message || T[ACTION_WORDS[action]] || "", { number: ticket.number }));
  }

  function onActionButton(e) {
    var button = e.currentTarget;
    var action = button.getAttribute("data-action");
    var t = state.ticket;
    if (!t) return;
    if (!isEnabled(button)) {
      announce(action === "no-show" ? $("noshow-hint").textContent : T.announce_unavailable);
      return;
    }
    if (action === "finish") { openFinish(button); return; }
    if (action === "transfer") { openTransfer(button); return; }
    act(t, action, {}, null);
  }

  /* ---------- dialogs ---------- */
  var openers = {};  // dialog id -> the control that opened it (focus goes back there)

  function openDialog(dialog, from, firstField) {
    openers[dialog.id] = from || document.activeElement;
    dialog.querySelector("[data-dialog-alert]").textContent = "";
    dialog.querySelectorAll("[data-ticket-number]").forEach(function (n) { n.textContent = state.ticket ? state.ticket.number : ""; });
    dialog.showModal();
    if (firstField) firstField.focus();
  }

  function closeDialog(dialog) { if (dialog.open) dialog.close(); }

  function dialogError(dialog, message) {
    var box = dialog.querySelector("[data-dialog-alert]");
    box.textContent = "";
    setTimeout(function () { box.textContent = message; }, 30);
  }

  // A dialog's write: errors stay in the dialog, the page reloads the ticket behind it, and if the
  // ticket is gone (another agent acted) the dialog closes with the message on the page.
  function submitDialog(dialog, work, message) {
    if (state.busy) return;
    state.busy = true;
    var submit = dialog.querySelector("[type=submit]");
    submit.setAttribute("aria-busy", "true");
    var ticketId = state.ticket && state.ticket.id;
    clearError();
    function done() { submit.removeAttribute("aria-busy"); state.busy = false; }
    work().then(function (result) {
      done();
      closeDialog(dialog);
      if (message) announce(typeof message === "function" ? message(result) : message);
      render();
      focusNext(null);
      return refresh(false).then(keepFocus);
    }, function (e) {
      done();
      return refresh(false).then(function () {
        if (ticketId && (!state.ticket || state.ticket.id !== ticketId)) {
          closeDialog(dialog);
          showError(e.message);
          keepFocus();
        } else {
          dialogError(dialog, e.message);
        }
      });
    });
  }

  function option(value, label) { return el("option", { value: String(value), text: label }); }

  function fillDialogs() {
    var cfg = state.config;
    var outcomes = $("finish-outcomes");
    outcomes.textContent = "";
    (cfg.outcomes || []).forEach(function (o, i) {
      var id = "outcome-" + o.code;
      outcomes.appendChild(el("li", { className: "s-choice" }, [
        el("input", { type: "radio", name: "outcome", id: id, value: o.code, required: "" }),
        el("label", { for: id, text: o.label || o.code })
      ]));
    });
    var active = (cfg.services || []).filter(function (s) { return s.active !== false; });
    // Level-2 services first; the others (a request may concern them too) one click away.
    var level2 = active.filter(function (s) { return s.level === 2; });
    var others = active.filter(function (s) { return s.level !== 2; });
    if (!level2.length) { level2 = others; others = []; }
    [["case-services", level2], ["case-services-more", others]].forEach(function (pair) {
      var list = $(pair[0]);
      list.textContent = "";
      pair[1].forEach(function (s) {
        var id = "case-service-" + s.code;
        list.appendChild(el("li", { className: "s-choice" }, [
          el("input", { type: "checkbox", id: id, value: s.code }),
          el("label", { for: id, text: s.label })
        ]));
      });
    });
    $("case-services-others").hidden = others.length === 0;
    fillSelect($("walkin-service"), active.filter(function (s) { return (s.level || 1) === 1; }), function (s) { return [s.code, s.label]; }, true);
    fillSelect($("transfer-service"), active, function (s) { return [s.code, s.label]; }, true);
    fillExperts();
  }

  function fillSelect(select, items, pair, placeholder) {
    var keep = select.value;
    select.textContent = "";
    if (placeholder) select.appendChild(option("", T.choose_one));
    items.forEach(function (item) { var p = pair(item); select.appendChild(option(p[0], p[1])); });
    if (keep && Array.prototype.some.call(select.options, function (o) { return o.value === keep; })) select.value = keep;
  }

  function chosenCaseServices() {
    return Array.prototype.map.call(document.querySelectorAll("#escalation [data-case-services] input:checked"), function (i) { return i.value; });
  }

  // Experts who serve one of the chosen services (an expert without services serves them all).
  function fillExperts() {
    var chosen = chosenCaseServices();
    var experts = ((state.config && state.config.experts) || []).filter(function (x) {
      return !chosen.length || !x.services || !x.services.length || x.services.some(function (c) { return chosen.indexOf(c) >= 0; });
    });
    var select = $("case-expert");
    var keep = select.value;
    select.textContent = "";
    select.appendChild(option("", T.no_expert));
    experts.forEach(function (x) { select.appendChild(option(x.id, x.name)); });
    if (keep && experts.some(function (x) { return String(x.id) === keep; })) select.value = keep;
  }

  function openFinish(from) {
    var form = $("form-finish");
    form.reset();
    fillExperts();
    $("escalation").hidden = true;
    var first = form.querySelector("input[name=outcome]");
    openDialog($("dlg-finish"), from, first);
  }

  function finishBody() {
    var form = $("form-finish");
    var chosen = form.querySelector("input[name=outcome]:checked");
    if (!chosen) return { error: T.error_outcome, focus: form.querySelector("input[name=outcome]") };
    var body = { outcome: chosen.value };
    var note = $("finish-note").value.trim();
    if (note) body.note = note;
    if (chosen.value !== "escalated") return { body: body };
    var services = chosenCaseServices();
    if (!services.length) return { error: T.error_services, focus: document.querySelector("#case-services input") };
    var description = $("case-description").value.trim();
    if (!description) return { error: T.error_description, focus: $("case-description") };
    var name = $("case-name").value.trim(), email = $("case-email").value.trim(), phone = $("case-phone").value.trim();
    var consent = $("case-consent").checked;
    var contact = null;
    if (name || email || phone) {
      if (!consent) return { error: T.error_consent, focus: $("case-consent") };
      if (!name) return { error: T.error_contact_name, focus: $("case-name") };
      contact = { name: name };
      if (email) contact.email = email;
      if (phone) contact.phone = phone;
    }
    body["case"] = { services: services, description: description, consent: consent, contact: contact };
    var expert = $("case-expert").value;
    if (expert) body["case"].expert = Number(expert);
    return { body: body };
  }

  function submitFinish(e) {
    e.preventDefault();
    var dialog = $("dlg-finish");
    var parsed = finishBody();
    if (parsed.error) {
      dialogError(dialog, parsed.error);
      if (parsed.focus) parsed.focus.focus();
      return;
    }
    var t = state.ticket;
    submitDialog(dialog, function () {
      return api("POST", "/tickets/" + t.id + "/finish", parsed.body).then(function (result) {
        applyTicket(t, result);
        return result;
      });
    }, function (result) {
      var words = fmt(T.announce_finished, { number: t.number });
      if (result && result["case"]) {
        var text = fmt(T.case_opened, { reference: result["case"].reference, due: dateTime(result["case"].due_at) });
        $("case-text").textContent = text;
        // Booking through the booking pages, which attach the appointment to the case.
        $("case-book").href = "/rdv/" + encodeURIComponent(siteSlug() || "") + "?case=" + result["case"].id;
        $("case-notice").hidden = false;
        words += " " + text;
      }
      return words;
    });
  }

  function transferTarget() {
    var checked = document.querySelector("#form-transfer input[name=target]:checked");
    return checked ? checked.value : "service";
  }

  function showTransferTarget() {
    var target = transferTarget();
    document.querySelectorAll("#form-transfer [data-target]").forEach(function (box) {
      box.hidden = box.getAttribute("data-target") !== target;
    });
  }

  function openTransfer(from) {
    var cfg = state.config || {};
    var form = $("form-transfer");
    form.reset();
    fillSelect($("transfer-counter"), (cfg.counters || []).filter(function (c) { return !state.counter || c.id !== state.counter.id; }),
      function (c) { return [c.id, counterLabel(c)]; }, true);
    fillSelect($("transfer-agent"), (cfg.agents || []).filter(function (a) { return !state.me || a.id !== state.me.id; }),
      function (a) { return [a.id, a.name]; }, true);
    showTransferTarget();
    openDialog($("dlg-transfer"), from, form.querySelector("input[name=target]:checked"));
  }

  function submitTransfer(e) {
    e.preventDefault();
    var dialog = $("dlg-transfer");
    var target = transferTarget();
    var select = $("transfer-" + target);
    if (!select.value) { dialogError(dialog, T.error_target); select.focus(); return; }
    var body = { placement: document.querySelector("#form-transfer input[name=placement]:checked").value };
    body[target] = target === "service" ? select.value : Number(select.value);
    var t = state.ticket;
    submitDialog(dialog, function () {
      return api("POST", "/tickets/" + t.id + "/transfer", body).then(function (result) {
        return applyTicket(t, result);
      });
    }, fmt(T.announce_transferred, { number: t.number }));
  }

  function openWalkIn(from) {
    $("form-walkin").reset();
    openDialog($("dlg-walkin"), from, $("walkin-service"));
  }

  function submitWalkIn(e) {
    e.preventDefault();
    var dialog = $("dlg-walkin");
    var service = $("walkin-service").value;
    if (!service) { dialogError(dialog, T.error_service); $("walkin-service").focus(); return; }
    submitDialog(dialog, function () {
      return api("POST", "/counters/" + state.counter.id + "/walk-in", { service: service }).then(function (ticket) {
        $("case-notice").hidden = true;
        return applyTicket(null, ticket);
      });
    }, function (ticket) { return fmt(T.announce_walk_in, { number: ticket ? ticket.number : "" }); });
  }

  /* ---------- keyboard ---------- */
  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (document.querySelector("dialog[open]") || $("workstation").hidden) return;
    var target = e.target;
    // Right after Escape the focus may still sit in the closing dialog's field for a moment.
    var closing = target && target.closest && target.closest("dialog:not([open])");
    if (!closing && target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var id = null;
    if (e.key === " ") {
      // Space keeps its usual meaning on a focused control (it activates it).
      if (target && target.closest && target.closest("button, a, summary, [role=button], [tabindex]:not([tabindex='-1'])")) return;
      id = "btn-call";
    } else if (e.key && e.key.length === 1) {
      id = SHORTCUTS[e.key.toLowerCase()];
    }
    if (!id) return;
    e.preventDefault();
    var button = $(id);
    if (!shown(button)) { announce(T.announce_unavailable); return; }
    button.click();
  }

  /* ---------- connection ---------- */
  function setConnection(online) {
    var box = $("c-connection");
    var next = online ? "online" : "offline";
    if (box.getAttribute("data-state") === next) return;
    box.setAttribute("data-state", next);
    document.body.setAttribute("data-connection", next);
    $("c-connection-text").textContent = online ? T.online : T.offline;
  }

  function connect() {
    var hints = {};
    HINTS.forEach(function (name) { hints[name] = onHint; });
    socket = G.connect("/counter", {
      auth: state.me && !state.me.site && siteSlug() ? { site: siteSlug() } : null,
      retryMs: RECONNECT_MS,
      on: hints,
      onConnect: function () { setConnection(true); refresh(true); },
      onDown: function () { setConnection(false); }
    });
    if (!socket) { setConnection(false); return; }
    window.guichetCounterSocket = socket;  // for diagnostics (and the offline test)
  }

  /* ---------- wiring ---------- */
  function wire() {
    $("c-title").setAttribute("data-default", $("c-title").textContent);
    $("btn-call").addEventListener("click", function () {
      if (!isEnabled($("btn-call"))) { announce($("call-hint").textContent); return; }
      callNext();
    });
    $("btn-walkin").addEventListener("click", function (e) {
      if (!isEnabled($("btn-walkin"))) { announce(T.call_hint_busy); return; }
      openWalkIn(e.currentTarget);
    });
    $("btn-pause").addEventListener("click", function () { setStatus("paused", T.announce_paused); });
    $("btn-reopen").addEventListener("click", function () { setStatus("open", T.announce_reopened); });
    $("btn-close").addEventListener("click", function () { setStatus("closed", T.announce_closed); });
    document.querySelectorAll("#current [data-action]").forEach(function (b) { b.addEventListener("click", onActionButton); });

    $("form-finish").addEventListener("submit", submitFinish);
    $("form-transfer").addEventListener("submit", submitTransfer);
    $("form-walkin").addEventListener("submit", submitWalkIn);
    $("form-finish").addEventListener("change", function (e) {
      if (e.target.name === "outcome") $("escalation").hidden = e.target.value !== "escalated";
      if (e.target.closest("[data-case-services]")) fillExperts();
    });
    $("form-transfer").addEventListener("change", function (e) {
      if (e.target.name === "target") showTransferTarget();
    });
    document.querySelectorAll("dialog").forEach(function (dialog) {
      dialog.querySelectorAll("[data-close]").forEach(function (b) {
        b.addEventListener("click", function () { closeDialog(dialog); });
      });
      // Escape closes natively (cancel); either way focus returns to what opened the dialog.
      dialog.addEventListener("close", function () {
        var back = openers[dialog.id];
        openers[dialog.id] = null;
        if (document.querySelector("dialog[open]")) return;  // another dialog took over meanwhile
        if (back && shown(back) && document.contains(back)) back.focus();
        else focusNext(null);
      });
    });
    document.addEventListener("keydown", onKey);
    setInterval(tick, 1000);
    setInterval(function () { if (!state.busy && socket && socket.connected) refresh(false); }, PERIODIC_REFRESH_MS);
  }

  function start() {
    wire();
    loadMe().then(function () {
      if (!siteSlug()) {
        render();
        return;
      }
      connect();
      return refresh(false);
    }).catch(function (e) { showError(e.message); });
  }

  start();
})();

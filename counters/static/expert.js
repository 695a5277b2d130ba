/* Level-2 expert view (/expert): cases with their deadline, the day, contributions, the grouped answer.
 *
 * Everything comes from the REST API (docs/contracts/counter.md). Socket.IO /counter events are hints:
 * the page reloads the cases on `case_changed`, the day on ticket events, and both on every (re)connect.
 * Texts come translated from the page (#page-text). ES5, no build step, no framework.
 */
(function () {
  "use strict";

  var RELOAD_DEBOUNCE_MS = 300;   // events come in bursts
  var TICK_MS = 30000;            // countdowns are shown to the minute
  var OFFLINE_NOTICE_MS = 2000;   // a blip is not worth a notice
  var SOCKET_RETRY_MS = 15000;    // after a refusal Socket.IO stops retrying by itself

  var G = window.Guichet;
  var $ = G.$, fill = G.fill, nbsp = G.nbsp, clear = G.clear, make = G.make, show = G.show;
  var data = G.pageData();
  var T = Guichet.pageText();
  var lang = document.documentElement.lang || "fr";

  var el = {
    announce: $("announce"), list: $("case-list"), summary: $("cases-summary"), casesError: $("cases-error"),
    dayError: $("day-error"), waiting: $("waiting-list"), waitingEmpty: $("waiting-empty"),
    appointments: $("appointments"), appointmentsBody: $("appointments-body"),
    appointmentsEmpty: $("appointments-empty"),
    detailTitle: $("detail-title"), placeholder: $("detail-placeholder"), detailError: $("detail-error"),
    detailBody: $("detail-body"), deadline: $("detail-deadline"), status: $("detail-status"),
    opened: $("detail-opened"), openedBy: $("detail-opened-by"), due: $("detail-due"),
    ticket: $("detail-ticket"), description: $("detail-description"), contact: $("detail-contact"),
    services: $("detail-services"),
    contributeForm: $("contribute-form"), contributeService: $("contribute-service"),
    contributeText: $("contribute-text"), contributeStatus: $("contribute-status"),
    contributeError: $("contribute-error"),
    answerForm: $("answer-form"), answerMissing: $("answer-missing"), answerText: $("answer-text"),
    answerSubmit: $("answer-submit"), answerStatus: $("answer-status"), answerError: $("answer-error"),
    exchange: $("detail-exchange"), messages: $("detail-messages"),
    answerBlock: $("detail-answer"), answerMeta: $("detail-answer-meta"), answerShown: $("detail-answer-text"),
    connection: $("connection"), connectionText: $("connection-text")
  };

  var state = {
    me: null,
    site: data.site || null,
    filter: "open",
    cases: [],
    knownIds: null,        // ids seen at the previous load (null before the first), to announce news
    selectedId: null,
    selected: null,
    labels: {},            // service code -> label, for the day's appointments
    seq: { cases: 0, day: 0, detail: 0 }
  };


  // Small inline icons (fonts on the staff's PCs may lack the Unicode symbols); always aria-hidden,
  // the words next to them carry the meaning.
  var ICONS = {
    late: "M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z",
    clock: "M11.99 2C6.47 2 2 6.48 2 12s4.47 10 9.99 10C17.52 22 22 17.52 22 12S17.52 2 11.99 2zM12 20c-4.42 " +
      "0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 8-3.58 8-8 8zm.5-13H11v6l5.25 3.15.75-1.23-4.5-2.67z",
    done: "M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z",
    waiting: "M6 2v6h.01L6 8.01 10 12l-4 4 .01.01H6V22h12v-5.99h-.01L18 16l-4-4 4-3.99-.01-.01H18V2H6zm10 " +
      "14.5V20H8v-3.5l4-4 4 4zm-4-5-4-4V4h8v3.5l-4 4z"
  };
  function icon(name, className) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon " + (className || ""));
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }
  function announce(text) { G.announce(el.announce, text); }

  /* ---------- the API ---------- */

  function api(method, path, body) {
    return G.request(method, path, body, {
      csrf: data.csrf, fallback: T.error, network: T.network, onUnauthorized: signedOut
    }).then(null, function (err) {
      if (err.status === 401) err.message = T.signed_out;
      throw err;
    });
  }

  function messageOf(err) { return (err && err.message) || T.error; }

  function signedOut() { G.signIn(); }

  function siteQuery(prefix) {
    // Only all-sites accounts (admins) name the site they look at.
    return state.site && !(state.me && state.me.site) ? prefix + "site=" + encodeURIComponent(state.site) : "";
  }

  /* ---------- time ---------- */

  var parseTime = G.parseTime;
  // Times at the site, on the server's clock (learnt from the cases' remaining time).
  var siteClock = new G.Clock(data.timezone, lang);
  function serverNow() { return siteClock.now(); }

  function dateText(iso) { return siteClock.dateTime(iso) || "—"; }
  function clockText(iso) { return siteClock.time(iso) || "—"; }

  // A duration to the minute: "2 j 5 h", "3 h 20 min", "12 min".
  function durationText(ms, roundUp) {
    var minutes = roundUp ? Math.ceil(ms / 60000) : Math.floor(ms / 60000);
    if (minutes < 0) minutes = 0;
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days > 0) return nbsp(fill(T.days_hours, { d: days, h: hours }));
    if (hours > 0) return nbsp(fill(T.hours_minutes, { h: hours, m: mins }));
    return nbsp(fill(T.minutes, { m: mins }));
  }

  // What the deadline of a case says now: text, style and icon (never the colour alone).
  function deadlineOf(c) {
    if (c.status === "answered") {
      var late = parseTime(c.answered_at) > parseTime(c.due_at);
      return {
        kind: "answered", icon: "done",
        text: fill(T.answered_on, { date: dateText(c.answered_at) }) + " (" +
          (late ? T.answered_late : T.answered_in_time) + ")"
      };
    }
    var left = parseTime(c.due_at) - serverNow();
    if (c.overdue || left <= 0) {
      return { kind: "late", icon: "late", text: fill(T.overdue, { time: durationText(Math.abs(left), true) }) };
    }
    return { kind: left < 24 * 3600000 ? "soon" : "ok", icon: "clock",
             text: fill(T.remaining, { time: durationText(left, false) }) };
  }

  function deadlineNode(c, tag) {
    var d = deadlineOf(c);
    var node = make(tag || "span", "due due-" + d.kind);
    node.setAttribute("data-due-for", String(c.id));
    node.appendChild(icon(d.icon, "due-icon"));
    node.appendChild(document.createTextNode(" " + d.text));
    return node;
  }

  function learnOffset(cases) {
    for (var i = 0; i < cases.length; i++) {
      var c = cases[i];
      if (c.status === "open" && typeof c.remaining_s === "number" && c.due_at) {
        siteClock.offsetMs = parseTime(c.due_at) - c.remaining_s * 1000 - Date.now();
        return;
      }
    }
  }

  /* ---------- the cases ---------- */

  function missingServices(c) {
    return (c.services || []).filter(function (sv) { return !sv.contribution; });
  }

  function sortCases(cases) {
    // Open cases by deadline (the overdue ones come first), then answered ones, latest first.
    return cases.slice().sort(function (a, b) {
      if (a.status !== b.status) return a.status === "open" ? -1 : 1;
      if (a.status === "open") return parseTime(a.due_at) - parseTime(b.due_at);
      return parseTime(b.answered_at) - parseTime(a.answered_at);
    });
  }

  function renderList() {
    // A reload must not take the keyboard focus away from the case link it was on.
    var focused = document.activeElement && el.list.contains(document.activeElement)
      ? document.activeElement.getAttribute("href") : null;
    clear(el.list);
    var cases = sortCases(state.cases);
    var late = 0;
    cases.forEach(function (c) {
      var d = deadlineOf(c);
      if (d.kind === "late") late++;
      var li = make("li", "case-item case-" + d.kind);
      var link = make("a", "case-link");
      link.href = "#case-" + c.id;
      if (c.id === state.selectedId) link.setAttribute("aria-current", "true");
      link.appendChild(make("span", "case-ref", c.reference));
      link.appendChild(make("span", "case-services",
        (c.services || []).map(function (sv) { return sv.label; }).join(", ")));
      link.appendChild(deadlineNode(c));
      var done = (c.services || []).length - missingServices(c).length;
      if (c.status === "open") {
        link.appendChild(make("span", "case-progress",
          fill(T.contributions_count, { done: done, total: (c.services || []).length })));
      }
      li.appendChild(link);
      el.list.appendChild(li);
    });
    var summary;
    if (state.filter === "open") summary = fill(T.summary_open, { count: cases.length, late: late });
    else if (state.filter === "answered") summary = fill(T.summary_answered, { count: cases.length });
    else summary = fill(T.summary_all, { count: cases.length });
    el.summary.textContent = cases.length ? summary : T.no_cases;
    if (focused) {
      var again = el.list.querySelector('a[href="' + focused + '"]');
      if (again) again.focus();
    }
  }

  // Every 30 s: the countdowns' words and style, in place (no rebuild, the focus stays where it is).
  function refreshDeadlines() {
    var byId = {};
    state.cases.forEach(function (c) { byId[c.id] = c; });
    if (state.selected) byId[state.selected.id] = state.selected;
    Array.prototype.forEach.call(document.querySelectorAll("[data-due-for]"), function (node) {
      var c = byId[node.getAttribute("data-due-for")];
      if (!c) return;
      var fresh = deadlineNode(c, node.tagName.toLowerCase());
      node.className = fresh.className;
      while (node.firstChild) node.removeChild(node.firstChild);
      while (fresh.firstChild) node.appendChild(fresh.firstChild);
      var item = node.closest ? node.closest(".case-item") : null;
      if (item) item.className = "case-item case-" + deadlineOf(c).kind;
    });
    if (state.selected) el.deadline.className = "deadline deadline-" + deadlineOf(state.selected).kind;
  }

  function loadCases(fromHint) {
    var seq = ++state.seq.cases;
    var path = "/api/v1/cases?status=" + encodeURIComponent(state.filter) + siteQuery("&");
    return api("GET", path).then(function (json) {
      if (seq !== state.seq.cases) return;
      var cases = (json && json.cases) || [];
      learnOffset(cases);
      var ids = {};
      var news = false;
      cases.forEach(function (c) {
        ids[c.id] = true;
        if (state.knownIds && !state.knownIds[c.id]) news = true;
      });
      state.knownIds = ids;
      state.cases = cases;
      show(el.casesError, false);
      renderList();
      if (fromHint && news) announce(T.new_cases);
    }, function (err) {
      if (seq !== state.seq.cases) return;
      el.casesError.textContent = messageOf(err);
      show(el.casesError, true);
    });
  }

  /* ---------- one case ---------- */

  function selectedFromHash() {
    var m = /^#case-(\d+)$/.exec(window.location.hash || "");
    return m ? parseInt(m[1], 10) : null;
  }

  function resetForms() {
    el.contributeText.value = "";
    el.answerText.value = "";
    [el.contributeStatus, el.answerStatus].forEach(function (n) { n.textContent = ""; });
    [el.contributeError, el.answerError].forEach(function (n) { n.textContent = ""; show(n, false); });
    el.contributeText.removeAttribute("aria-invalid");
    el.answerText.removeAttribute("aria-invalid");
  }

  function openCase(id, moveFocus) {
    if (id !== state.selectedId) {
      state.selectedId = id;
      state.selected = null;
      resetForms();
    }
    renderList();  // the current link
    if (id === null) {
      el.detailTitle.textContent = el.detailTitle.getAttribute("data-empty") || el.detailTitle.textContent;
      show(el.placeholder, true);
      show(el.detailBody, false);
      return Promise.resolve();
    }
    return loadDetail().then(function () {
      if (moveFocus) el.detailTitle.focus();
    });
  }

  function loadDetail() {
    var id = state.selectedId;
    if (id === null) return Promise.resolve();
    var seq = ++state.seq.detail;
    return api("GET", "/api/v1/cases/" + id).then(function (c) {
      if (seq !== state.seq.detail || id !== state.selectedId) return;
      show(el.detailError, false);
      renderDetail(c);
    }, function (err) {
      if (seq !== state.seq.detail) return;
      el.detailError.textContent = messageOf(err);
      show(el.detailError, true);
      show(el.detailBody, false);
      show(el.placeholder, false);
    });
  }

  function renderContact(contact) {
    clear(el.contact);
    if (!contact || !(contact.name || contact.email || contact.phone)) {
      el.contact.appendChild(make("p", "s-muted", T.no_contact));
      return;
    }
    var dl = make("dl", "facts");
    function row(label, value, href) {
      if (!value) return;
      dl.appendChild(make("dt", null, label));
      var dd = make("dd");
      if (href) {
        var a = make("a", null, value);
        a.href = href;
        dd.appendChild(a);
      } else {
        dd.textContent = value;
      }
      dl.appendChild(dd);
    }
    row(T.contact_name, contact.name);
    row(T.contact_email, contact.email, contact.email ? "mailto:" + contact.email : null);
    row(T.contact_phone, contact.phone, contact.phone ? "tel:" + String(contact.phone).replace(/\s+/g, "") : null);
    el.contact.appendChild(dl);
  }

  function renderServices(c) {
    clear(el.services);
    (c.services || []).forEach(function (sv) {
      var done = !!sv.contribution;
      var li = make("li", "contrib " + (done ? "contrib-done" : "contrib-missing"));
      li.appendChild(make("p", "contrib-service", sv.label));
      var st = make("p", "contrib-state");
      st.appendChild(icon(done ? "done" : "waiting", "contrib-icon"));
      st.appendChild(document.createTextNode(" " + (done
        ? fill(T.contributed, { date: dateText(sv.contributed_at),
                                name: sv.contributed_by ? sv.contributed_by.name : "—" })
        : T.awaiting)));
      li.appendChild(st);
      li.appendChild(make("p", "contrib-expert s-muted",
        sv.expert ? fill(T.expert, { name: sv.expert.name }) : T.no_expert));
      if (done) li.appendChild(make("p", "text-block", sv.contribution));
      el.services.appendChild(li);
    });
  }

  function fillServiceChoice(c) {
    var before = el.contributeService.value;
    var services = c.services || [];
    clear(el.contributeService);
    services.forEach(function (sv) {
      var option = make("option", null, sv.contribution ? fill(T.already_contributed, { service: sv.label }) : sv.label);
      option.value = sv.code;
      el.contributeService.appendChild(option);
    });
    var codes = services.map(function (sv) { return sv.code; });
    if (before && codes.indexOf(before) >= 0) {
      el.contributeService.value = before;
      return;
    }
    // First a service waiting for this expert, then any service still waiting.
    var me = state.me ? state.me.id : data.user_id;
    var mine = services.filter(function (sv) { return !sv.contribution && sv.expert && sv.expert.id === me; });
    var waiting = services.filter(function (sv) { return !sv.contribution; });
    var pick = mine[0] || waiting[0] || services[0];
    if (pick) el.contributeService.value = pick.code;
  }

  // The written exchange: each grouped answer sent and each reply of the citizen (which reopened the case).
  function renderMessages(messages) {
    clear(el.messages);
    messages.forEach(function (m) {
      var item = document.createElement("li");
      item.className = "message message-" + m.kind;
      var head = document.createElement("p");
      head.className = "s-muted";
      head.textContent = m.kind === "answer"
        ? fill(T.message_answer, { date: dateText(m.at), name: m.by ? m.by.name : "—" })
        : fill(T.message_reply, { date: dateText(m.at) });
      var text = document.createElement("p");
      text.className = "text-block";
      text.textContent = m.text;
      item.appendChild(head);
      item.appendChild(text);
      el.messages.appendChild(item);
    });
    show(el.exchange, messages.length > 0);
  }

  function renderDetail(c) {
    state.selected = c;
    el.detailTitle.textContent = fill(T.case_title, { reference: c.reference });
    show(el.placeholder, false);
    show(el.detailBody, true);
    clear(el.deadline);
    el.deadline.appendChild(deadlineNode(c, "span"));
    el.deadline.className = "deadline deadline-" + deadlineOf(c).kind;
    el.status.textContent = c.status === "answered" ? T.status_answered : T.status_open;
    el.opened.textContent = dateText(c.opened_at);
    el.openedBy.textContent = c.opened_by ? c.opened_by.name : "—";
    el.due.textContent = dateText(c.due_at);
    el.ticket.textContent = c.ticket ? String(c.ticket) : T.no_ticket;
    el.description.textContent = c.description || "";
    renderContact(c.contact);
    renderServices(c);
    renderMessages(c.messages || []);

    var open = c.status === "open";
    show(el.contributeForm, open);
    show(el.answerForm, open);
    show(el.answerBlock, !open);
    if (open) {
      fillServiceChoice(c);
      var missing = missingServices(c);
      el.answerSubmit.disabled = missing.length > 0;
      el.answerMissing.textContent = missing.length
        ? fill(T.missing, { services: missing.map(function (sv) { return sv.label; }).join(", ") })
        : T.all_contributed;
      el.answerMissing.className = missing.length ? "pending-box" : "ok-box";
      show(el.answerMissing, true);
    } else {
      el.answerMeta.textContent = fill(T.answered_by, {
        date: dateText(c.answered_at), name: c.answered_by ? c.answered_by.name : "—"
      });
      el.answerShown.textContent = c.answer || "";
    }
  }

  /* ---------- writing ---------- */

  function formError(node, textarea, message) {
    node.textContent = message;
    show(node, true);
    if (textarea) {
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
    }
  }

  function busy(form, on) {
    var button = form.querySelector("button[type=submit]");
    if (on) {
      button.setAttribute("data-busy", "1");
      button.setAttribute("aria-disabled", "true");
    } else {
      button.removeAttribute("data-busy");
      button.removeAttribute("aria-disabled");
    }
  }
  function isBusy(form) { return !!form.querySelector("button[data-busy]"); }

  el.contributeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (isBusy(el.contributeForm) || !state.selected) return;
    var c = state.selected;
    var service = el.contributeService.value;
    var text = el.contributeText.value.trim();
    el.contributeStatus.textContent = "";
    show(el.contributeError, false);
    el.contributeText.removeAttribute("aria-invalid");
    if (!service) return formError(el.contributeError, null, T.service_required);
    if (!text) return formError(el.contributeError, el.contributeText, T.text_required);
    var label = (c.services || []).filter(function (sv) { return sv.code === service; })
      .map(function (sv) { return sv.label; })[0] || service;
    busy(el.contributeForm, true);
    el.contributeStatus.textContent = T.saving;
    api("POST", "/api/v1/cases/" + c.id + "/contributions", { service: service, text: text }).then(function (updated) {
      busy(el.contributeForm, false);
      el.contributeText.value = "";
      el.contributeService.value = "";
      if (updated && updated.id === state.selectedId) renderDetail(updated);
      el.contributeStatus.textContent = fill(T.contribution_saved, { service: label });
      loadCases(false);
    }, function (err) {
      busy(el.contributeForm, false);
      el.contributeStatus.textContent = "";
      formError(el.contributeError, null, messageOf(err));
    });
  });

  el.answerForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (isBusy(el.answerForm) || !state.selected || el.answerSubmit.disabled) return;
    var c = state.selected;
    var text = el.answerText.value.trim();
    el.answerStatus.textContent = "";
    show(el.answerError, false);
    el.answerText.removeAttribute("aria-invalid");
    if (!text) return formError(el.answerError, el.answerText, T.text_required);
    busy(el.answerForm, true);
    el.answerStatus.textContent = T.saving;
    api("POST", "/api/v1/cases/" + c.id + "/answer", { text: text }).then(function (updated) {
      busy(el.answerForm, false);
      el.answerText.value = "";
      el.answerStatus.textContent = "";
      if (updated && updated.id === state.selectedId) renderDetail(updated);
      announce(fill(T.answer_sent, { reference: c.reference }));
      el.detailTitle.focus();
      loadCases(false);
    }, function (err) {
      busy(el.answerForm, false);
      el.answerStatus.textContent = "";
      // 409 contributions_missing: the server's French message says which services are missing.
      formError(el.answerError, null, messageOf(err));
      if (err && err.status === 409) loadDetail();
    });
  });

  /* ---------- the day ---------- */

  var APPOINTMENT_STATUS = {
    booked: T.appt_booked, checked_in: T.appt_checked_in, seen: T.appt_seen,
    no_show: T.appt_no_show, cancelled: T.appt_cancelled
  };

  function serviceLabel(code) { return state.labels[code] || code || "—"; }

  function renderDay(day) {
    clear(el.waiting);
    var waiting = (day && day.waiting) || [];
    waiting.forEach(function (t) {
      var text = fill(T.waiting_since, {
        number: t.number, service: t.service_label || serviceLabel(t.service),
        time: durationText((t.wait_s || 0) * 1000, false)
      });
      if (t.appointment && t.appointment.starts_at) {
        text += " (" + fill(T.appointment_at, { time: clockText(t.appointment.starts_at) }) + ")";
      }
      el.waiting.appendChild(make("li", "waiting-item", text));
    });
    show(el.waiting, waiting.length > 0);
    show(el.waitingEmpty, waiting.length === 0);

    clear(el.appointmentsBody);
    var appts = (day && day.appointments) || [];
    appts.slice().sort(function (a, b) { return parseTime(a.starts_at) - parseTime(b.starts_at); })
      .forEach(function (a) {
        var tr = make("tr");
        tr.appendChild(make("td", null, clockText(a.starts_at)));
        var svc = a.service && typeof a.service === "object" ? (a.service.label || a.service.code) : serviceLabel(a.service);
        tr.appendChild(make("td", null, svc));
        tr.appendChild(make("td", "code", a.code));
        var st = APPOINTMENT_STATUS[a.status] || a.status || "—";
        if (a.ticket && a.ticket.number) st += " — " + fill(T.ticket, { number: a.ticket.number });
        tr.appendChild(make("td", null, st));
        tr.appendChild(outcomeCell(a));
        el.appointmentsBody.appendChild(tr);
      });
    show(el.appointments, appts.length > 0);
    show(el.appointmentsEmpty, appts.length === 0);
  }

  // Once an appointment has begun, its expert notes how it ended: received or absent.
  function outcomeCell(a) {
    var td = make("td", "appt-outcome");
    var open = a.status === "booked" || a.status === "checked_in";
    if (!open || parseTime(a.starts_at) > serverNow()) return td;
    [["seen", T.mark_seen], ["no_show", T.mark_no_show]].forEach(function (pair) {
      var b = make("button", "s-button s-button-quiet", pair[1]);
      b.type = "button";
      b.setAttribute("aria-label", fill(T.mark_label, { outcome: pair[1], time: clockText(a.starts_at), code: a.code }));
      b.addEventListener("click", function () { markAppointment(a, pair[0]); });
      td.appendChild(b);
    });
    return td;
  }

  function markAppointment(a, outcome) {
    return api("POST", "/api/v1/appointments/" + encodeURIComponent(a.code) + "/outcome", { outcome: outcome })
      .then(function (done) {
        announce(fill(T.marked, { time: clockText(a.starts_at), status: APPOINTMENT_STATUS[done.status] || done.status }));
        return loadDay();
      }, function (err) {
        el.dayError.textContent = messageOf(err);
        show(el.dayError, true);
      });
  }

  function loadDay() {
    var seq = ++state.seq.day;
    return api("GET", "/api/v1/experts/me/day").then(function (day) {
      if (seq !== state.seq.day) return;
      show(el.dayError, false);
      renderDay(day);
    }, function (err) {
      if (seq !== state.seq.day) return;
      renderDay(null);
      el.dayError.textContent = err && err.status === 403 ? T.not_expert_day : messageOf(err);
      show(el.dayError, true);
    });
  }

  function loadLabels() {
    var site = (state.me && state.me.site) || state.site;
    if (!site) return Promise.resolve();
    return api("GET", "/api/v1/sites/" + encodeURIComponent(site) + "/workstation").then(function (w) {
      ((w && w.services) || []).forEach(function (sv) { state.labels[sv.code] = sv.label; });
    }, function () { /* codes are shown instead of labels */ });
  }

  /* ---------- reloads ---------- */

  var timers = {};
  function schedule(what) {
    clearTimeout(timers[what]);
    timers[what] = setTimeout(function () {
      if (what === "cases") { loadCases(true); loadDetail(); }
      else loadDay();
    }, RELOAD_DEBOUNCE_MS);
  }
  function reloadAll() {
    loadCases(true);
    loadDetail();
    loadDay();
  }

  /* ---------- the socket ---------- */

  var socket = null, offlineTimer = null;
  function setOffline(offline) {
    clearTimeout(offlineTimer);
    if (!offline) {
      el.connection.setAttribute("data-state", "online");
      show(el.connectionText, false);
      return;
    }
    offlineTimer = setTimeout(function () {
      el.connection.setAttribute("data-state", "offline");
      show(el.connectionText, true);
    }, OFFLINE_NOTICE_MS);
  }

  function connect() {
    if (!window.io) { setOffline(true); return; }
    // An all-sites account (admin) must say which site it listens to (?site=); without one the page
    // still works, without live updates.
    if (!(state.me && state.me.site) && !state.site) return;
    var on = { case_changed: function () { schedule("cases"); } };
    ["ticket_called", "queue_changed", "ticket_changed", "appointment_booked", "appointment_cancelled",
     "appointment_moved", "appointment_checked_in"].forEach(function (name) {
      on[name] = function () { schedule("day"); };
    });
    socket = G.connect("/counter", {
      auth: state.site && !(state.me && state.me.site) ? { site: state.site } : null,
      retryMs: SOCKET_RETRY_MS,
      on: on,
      onConnect: function () { setOffline(false); reloadAll(); },
      onDown: function () { setOffline(true); }
    });
  }

  /* ---------- wiring ---------- */

  Array.prototype.forEach.call(document.querySelectorAll("input[name=case-filter]"), function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked) return;
      state.filter = radio.value;
      state.knownIds = null;
      loadCases(false);
    });
  });

  window.addEventListener("hashchange", function () { openCase(selectedFromHash(), true); });

  setInterval(refreshDeadlines, TICK_MS);

  el.detailTitle.setAttribute("data-empty", el.detailTitle.textContent);
  api("GET", "/api/v1/me").then(function (me) {
    state.me = me;
  }, function () { /* the page still works without it */ }).then(function () {
    loadLabels().then(function () { loadDay(); });
    loadCases(false);
    openCase(selectedFromHash(), false);
    connect();
  });
})();

/* Guichet kiosk: screens, keyboard route, audio guidance, larger text, idle return, printing status,
   a manager's changes shown live (between visitors). */
(function () {
  "use strict";
  var G = window.Guichet;
  var data = G.pageData();
  var T = G.pageText();
  // The header's clock: the site's time on the server's clock, whatever the kiosk PC's own zone.
  var clock = new G.Clock(data.timezone, data.lang);
  clock.sync(data.server_time);
  var base = "/kiosk/" + encodeURIComponent(data.site);
  var history = [];
  var current = null;
  var chosenService = null;
  var idleTimer = null, countdownTimer = null, idleLeft = 0;
  var SPEECH_LANG = { fr: "fr-FR", en: "en-GB", ar: "ar", es: "es-ES", pt: "pt-PT" };

  var $ = G.one, $all = G.all;

  /* ---------- preferences kept for this visitor only (cleared when the kiosk returns home) ---------- */
  var prefs = {
    get: function (k) { try { return sessionStorage.getItem("kiosk." + k) === "1"; } catch (e) { return false; } },
    set: function (k, v) { try { sessionStorage.setItem("kiosk." + k, v ? "1" : "0"); } catch (e) { /* private mode */ } },
    clear: function () { try { sessionStorage.clear(); } catch (e) { /* ignore */ } }
  };

  /* ---------- speech (the browser's local synthesis: works offline) ---------- */
  function speak(text, interrupt) {
    if (!prefs.get("audio") || !("speechSynthesis" in window) || !text) return;
    if (interrupt !== false) window.speechSynthesis.cancel();
    var u = new SpeechSynthesisUtterance(text);
    u.lang = SPEECH_LANG[data.lang] || "fr-FR";
    u.rate = 0.9;
    window.speechSynthesis.speak(u);
  }
  function describeScreen(section) {
    var parts = [];
    var h = $("h1", section); if (h) parts.push(h.textContent);
    var lead = $(".lead", section); if (lead) parts.push(lead.textContent);
    $all("button:not([hidden]), .big-number, .t-line, .t-service, .t-print", section).forEach(function (el) {
      if (el.offsetParent !== null && el.textContent.trim()) parts.push(el.textContent.trim());
    });
    return parts.join(". ");
  }

  /* ---------- screens ---------- */
  function show(name, remember) {
    var next = document.getElementById("screen-" + name);
    if (!next) return;
    if (current && remember !== false) history.push(current.getAttribute("data-screen"));
    $all(".screen").forEach(function (s) { s.hidden = s !== next; });
    current = next;
    $("#k-error").textContent = "";
    var h = $("h1", next);
    if (h) h.focus();  // screen readers announce the new screen; Tab continues from here
    speak(describeScreen(next));
    resetIdle();
    if (offerStale && name === "home") refreshOffer();
  }
  function back() {
    var prev = history.pop();
    if (prev) show(prev, false); else goHome();
  }
  function goHome() {
    prefs.clear();
    window.location.href = base;  // a fresh page: fresh queue figures, French, defaults
  }

  /* ---------- idle: back home after a while without a touch or a key ---------- */
  function resetIdle() {
    clearTimeout(idleTimer); clearInterval(countdownTimer);
    $("#t-countdown") && ($("#t-countdown").textContent = "");
    if (!current || current.getAttribute("data-screen") === "closed") return;
    if (current.getAttribute("data-screen") === "home") {
      // Nobody here: fresh waiting figures now and then, in place; another language goes back to French.
      idleTimer = setTimeout(function () {
        if (!prefs.get("audio") && !prefs.get("large") && data.lang !== "fr") goHome();
        else { refreshOffer(); resetIdle(); }
      }, 60000);
      return;
    }
    var onTicket = current.getAttribute("data-screen") === "ticket";
    var virtual = onTicket && !$("#t-virtual").hidden;
    idleLeft = data.idle_s * (virtual ? 3 : onTicket ? 1 : 3);
    if (onTicket) {
      countdownTimer = setInterval(function () {
        idleLeft -= 1;
        $("#t-countdown").textContent = T.countdown.replace("{s}", Math.max(idleLeft, 0));
        if (idleLeft <= 0) goHome();
      }, 1000);
    } else {
      idleTimer = setTimeout(goHome, idleLeft * 1000);
    }
  }
  ["pointerdown", "keydown"].forEach(function (ev) {
    document.addEventListener(ev, function () { if (current) resetIdle(); }, true);
  });

  /* ---------- talking to the server ---------- */
  // {ok, json}: a refusal is an answer to show, not an exception (json carries its error and message).
  function post(path, body) {
    // ?lang= so that the server's own error messages come in the visitor's language, not French.
    return G.request("POST", base + path + "?lang=" + encodeURIComponent(data.lang), body,
      { csrf: data.csrf, network: T.offline })
      .then(function (json) { return { ok: true, json: json }; },
        function (err) { return { ok: false, json: { error: err.code, message: err.message } }; });
  }

  function showTicket(res) {
    var j = res.json;
    $("#t-number").textContent = j.ticket.number;
    $("#t-service").textContent = j.service_label;
    $("#t-position").textContent = (j.late ? T.late + " " : "") + j.position_text;
    $("#t-wait").textContent = (j.wait_text || "").replace(/ :/g, "\u00a0:");  // never a line starting with ":"
    drawQr($("#t-qr"), j.ticket.tracking_url, T.your_number + " " + j.ticket.number);
    $("#t-virtual").hidden = true;
    $("#t-print").textContent = j.print ? T.printing : T.no_printer;
    show("ticket");
    speak(T.your_number + " " + j.spoken_number + ". " + j.position_text + " " + j.wait_text);
    if (j.print) followPrint(j.print.job); else showVirtual();
  }
  /* The virtual ticket's QR code of the tracking link, drawn here rather than on the server (it cost the
     server more CPU than the ticket itself): vendor/qrcode-generator.js, error correction M as on the
     printed ticket, one SVG path of dark runs in a 2-module quiet zone. Without the library: the link. */
  var SVG_NS = "http://www.w3.org/2000/svg", QR_MARGIN = 2;
  function drawQr(box, text, label) {
    box.textContent = "";
    var qr = null;
    try {
      qrcode.stringToBytes = qrcode.stringToBytesFuncs["UTF-8"];
      qr = qrcode(0, "M");
      qr.addData(text, "Byte");
      qr.make();
    } catch (e) {
      var link = document.createElement("p");
      link.className = "qr-text";
      link.textContent = text;
      box.appendChild(link);
      return;
    }
    var n = qr.getModuleCount(), size = n + 2 * QR_MARGIN, d = "";
    for (var r = 0; r < n; r += 1) {
      for (var c = 0; c < n; c += 1) {
        if (!qr.isDark(r, c)) continue;
        var run = 1;
        while (c + run < n && qr.isDark(r, c + run)) run += 1;
        d += "M" + (c + QR_MARGIN) + " " + (r + QR_MARGIN) + "h" + run + "v1h-" + run + "z";
        c += run - 1;
      }
    }
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "#000");
    svg.appendChild(path);
    box.appendChild(svg);
  }
  function showVirtual() {
    $("#t-virtual").hidden = false;
    $("#t-print").textContent = T.print_failed;
    speak(T.print_failed, false);
    resetIdle();
  }
  function followPrint(job) {
    var tries = 0;
    (function poll() {
      tries += 1;
      G.request("GET", base + "/print-jobs/" + encodeURIComponent(job))
        .then(function (s) {
          if (s.state === "printed") { $("#t-print").textContent = T.printed; speak(T.printed, false); }
          else if (s.state === "failed") showVirtual();
          else if (tries < 25) setTimeout(poll, 300);
          else showVirtual();  // a jammed printer: never leave the visitor without a number
        })
        .catch(function () { if (tries < 25) setTimeout(poll, 500); else showVirtual(); });
    })();
  }
  function failed(res, where) {
    // Our own words for the errors a visitor can meet; the server's message otherwise, never a bare code.
    var json = (res && res.json) || {};
    var msg = (T.errors && T.errors[json.error]) || json.message;
    if (!msg || /^[a-z0-9_]+$/.test(msg)) msg = T.error;
    (where || $("#k-error")).textContent = msg;
    speak(msg);
  }

  function issue(priorityReason) {
    post("/tickets", { service: chosenService, priority_reason: priorityReason || null, lang: data.lang })
      .then(function (res) { if (res.ok) showTicket(res); else failed(res); })
      .catch(function () { failed({ json: { message: T.offline } }); });
  }
  function checkIn(code) {
    var err = $("#checkin-error");
    if (!code.trim()) { err.textContent = T.code_empty; speak(T.code_empty); return; }
    err.textContent = "";
    post("/checkin", { code: code, lang: data.lang })
      .then(function (res) { if (res.ok) showTicket(res); else failed(res, err); })
      .catch(function () { failed({ json: { message: T.offline } }, err); });
  }

  /* ---------- wiring ---------- */
  document.addEventListener("click", function (e) {
    var el = e.target.closest("button");
    if (!el) return;
    var go = el.getAttribute("data-go");
    if (go === "home") return goHome();
    if (go === "back") return back();
    if (go === "done") return goHome();
    if (go) { show(go); return; }
    if (el.hasAttribute("data-service")) {
      if (el.getAttribute("aria-disabled") === "true") {
        var box = $("[data-closed-message]", current);
        var why = el.querySelector(".service-closed");
        box.textContent = T.closed + (why ? " " + why.textContent : "");
        speak(box.textContent);
        return;
      }
      chosenService = el.getAttribute("data-service");
      return show("priority");
    }
    if (el.hasAttribute("data-priority")) return issue(el.getAttribute("data-priority"));
    if (el.hasAttribute("data-key")) {
      var input = $("#checkin-code"), k = el.getAttribute("data-key");
      input.value = k === "back" ? input.value.slice(0, -1) : input.value + k;
      speak(k === "back" ? input.value : k);
    }
  });
  var form = $("#checkin-form");
  if (form) form.addEventListener("submit", function (e) { e.preventDefault(); checkIn($("#checkin-code").value); });

  /* Arrow keys move between tiles, for a keypad with arrows only. */
  document.addEventListener("keydown", function (e) {
    if (["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight"].indexOf(e.key) < 0 || !current) return;
    if (document.activeElement && document.activeElement.tagName === "INPUT") return;
    var items = $all("button:not([hidden]), a.lang", document).filter(function (b) { return b.offsetParent !== null; });
    var i = items.indexOf(document.activeElement);
    var rtl = document.documentElement.dir === "rtl";
    var forward = e.key === "ArrowDown" || e.key === (rtl ? "ArrowLeft" : "ArrowRight");
    var next = items[(i + (forward ? 1 : -1) + items.length) % items.length];
    if (next) { next.focus(); e.preventDefault(); }
  });
  /* Speak what gets focus when audio guidance is on. */
  document.addEventListener("focusin", function (e) {
    var el = e.target;
    if (el.matches && el.matches("button, a, input")) speak(el.getAttribute("aria-label") || el.textContent.trim() || (el.labels && el.labels[0] && el.labels[0].textContent));
  });

  /* On the check-in screen, letters typed (keyboard or scanner) while the focus is elsewhere go to the code field. */
  document.addEventListener("keydown", function (e) {
    if (!current || current.getAttribute("data-screen") !== "checkin") return;
    var input = $("#checkin-code");
    if (document.activeElement === input || e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.key.length !== 1 || e.key === " ") return;
    e.preventDefault();
    input.focus();
    input.value += e.key;
  });

  /* A USB scanner types fast and ends with Enter: on the home screen, treat that as a check-in. */
  var scanBuffer = "", lastKey = 0;
  document.addEventListener("keydown", function (e) {
    if (!current || current.getAttribute("data-screen") !== "home") return;
    var now = Date.now();
    if (now - lastKey > 80) scanBuffer = "";
    lastKey = now;
    if (e.key === "Enter" && scanBuffer.length >= 8) {
      e.preventDefault();
      var code = scanBuffer; scanBuffer = "";
      show("checkin"); $("#checkin-code").value = code; checkIn(code);
    } else if (e.key.length === 1) scanBuffer += e.key;
  });

  /* ---------- toggles ---------- */
  function applyToggles() {
    var audio = prefs.get("audio"), large = prefs.get("large");
    $("#toggle-audio").setAttribute("aria-pressed", String(audio));
    $("#toggle-large").setAttribute("aria-pressed", String(large));
    document.documentElement.classList.toggle("large", large);
  }
  $("#toggle-audio").addEventListener("click", function () {
    prefs.set("audio", !prefs.get("audio")); applyToggles();
    if (prefs.get("audio")) speak(describeScreen(current || document.body));
    else if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  });
  $("#toggle-large").addEventListener("click", function () { prefs.set("large", !prefs.get("large")); applyToggles(); });

  /* ---------- clock ---------- */
  function tick() {
    $("#clock").textContent = clock.time();
  }
  tick(); setInterval(tick, 15000);

  applyToggles();
  var first = $(".screen:not([hidden])");
  if (first) {
    current = first;
    var h1 = $("h1", first);
    if (h1) h1.focus();  // as after every screen change: screen readers start at the heading
    speak(describeScreen(first));
  }
  /* ---------- a manager's changes, live ---------- */
  /* A new or closed service, a new label, new hours: the server says `settings_changed` over /kiosk and
     the kiosk reloads its offer (home, categories, priority) in place, on its home screen only: a visitor
     mid-way keeps the screens they are on, and the change is there when the kiosk returns home. Events
     are hints: the offer is read again on every (re)connection, and every 30 s while the socket is down. */
  var offerVersion = data.offer_version, offerStale = false, offerLoading = false, offerAgain = null;
  var OFFER_POLL_MS = 30000;
  function atHome() { return !!current && current.getAttribute("data-screen") === "home" && history.length === 0; }
  // Said on the page too (body[data-offer-pending]), for whoever looks after the kiosk, and its tests.
  function pending(yes) { offerStale = yes; document.body.toggleAttribute("data-offer-pending", yes); }
  // changed: the server said so (the closed screen then reloads: its hours may be new). Reloads happen
  // only once the server has answered: a browser error page would never come back by itself.
  function refreshOffer(changed) {
    var closedScreen = !!current && current.getAttribute("data-screen") === "closed";
    if (!closedScreen && !atHome()) { pending(true); return; }
    if (offerLoading) { offerAgain = !!(offerAgain || changed); return; }
    offerLoading = true;
    G.request("GET", base + "/offer?lang=" + encodeURIComponent(data.lang), null, { timeoutMs: 10000 })
      .then(function (offer) {
        // Open or closed since the page was made: each is a page of its own.
        if (offer.open === closedScreen || (closedScreen && changed)) { window.location.reload(); return; }
        if (closedScreen) return;
        if (!atHome()) { pending(true); return; }  // a visitor arrived while it loaded
        pending(false);
        $(".k-site").textContent = offer.site_name;
        if (offer.version !== offerVersion) { offerVersion = offer.version; swapOffer(offer.html); }
      })
      .catch(function () { /* offline: keep what is shown, ask again later */ })
      .then(function () {
        offerLoading = false;
        if (offerAgain !== null) { var again = offerAgain; offerAgain = null; refreshOffer(again); }
      });
  }
  function swapOffer(html) {
    var old = $all("[data-offer]");
    if (!old.length) return;
    // The focus stays on the same control (or heading), without a word spoken: nothing moved for the visitor.
    var active = document.activeElement;
    var hadFocus = !!active && old.some(function (s) { return s.contains(active); });
    var focusId = hadFocus ? active.id : "", focusGo = hadFocus ? active.getAttribute("data-go") : null;
    var holder = document.createElement("template");
    holder.innerHTML = html;  // the server's own rendering of our own template
    old[0].parentNode.insertBefore(holder.content, old[0]);
    old.forEach(function (s) { s.parentNode.removeChild(s); });
    current = $("#screen-home");
    if (hadFocus) {
      var same = $all("[data-offer] [data-go]").filter(function (b) { return b.getAttribute("data-go") === focusGo; })[0];
      var target = (focusId && document.getElementById(focusId)) || same || $("#h-home");
      if (target) target.focus({ preventScroll: true });
    }
  }
  var liveSocket = G.connect("/kiosk", {
    auth: { site: data.site },
    onConnect: function () { refreshOffer(); },
    on: {
      // Spread over a second: every kiosk of the site hears the same event at the same time.
      settings_changed: function () { setTimeout(function () { refreshOffer(true); }, Math.random() * 1000); }
    }
  });
  setInterval(function () { if (!liveSocket || !liveSocket.connected) refreshOffer(); }, OFFER_POLL_MS);

  /* The closed screen reloads now and then so the kiosk reopens on time. */
  if (first && first.getAttribute("data-screen") === "closed") setTimeout(function () { window.location.reload(); }, 60000);
})();

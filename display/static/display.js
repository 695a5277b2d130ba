/* Waiting-room display: Socket.IO namespace /display, calls seen (always) and heard (chime + voice).
 *
 * A snapshot (on every (re)connect) gives the whole state; events then update it in place, with no
 * round trip: `ticket_called` is shown at once and announced, `queue_changed` carries its service's
 * fresh figures, `message_changed` the message. A screen asks for a snapshot only for an event without
 * its data and every few minutes (estimates and opening state drift with time alone), each after a
 * random delay, so that hundreds of screens never ask at the same moment. Runs for weeks without a
 * reload: bounded DOM and queues, a watchdog, a daily reload at 04:00. ES5, no build step, no framework.
 */
(function () {
  "use strict";

  var OFFLINE_NOTICE_MS = 3000;        // a blip is not worth a notice
  var REFRESH_DELAY_MS = [300, 3000];  // a snapshot asked for after a random delay in this range
  var PERIODIC_REFRESH_MS = 180000;    // estimates and opening state drift with time alone (± 25 %)
  var WATCHDOG_MS = 10 * 60000;        // no snapshot for this long while disconnected: reload
  var WATCHDOG_CHECK_MS = 30000;
  var SOCKET_RETRY_MS = 30000;         // after the server refused us (Socket.IO then stops retrying)
  var DAILY_RELOAD_HOUR = 4;           // memory hygiene, when nobody is waiting
  var MISSED_CALL_WINDOW_MS = 120000;  // calls missed while offline are announced if this recent
  var MAX_QUEUE = 20;                  // pending announcements (a stuck voice must not grow memory)
  var MAX_SEEN = 200;
  var CHIME_MS = 1500;
  var BETWEEN_LANGUAGES_MS = 350;
  var BUCKETS = [[0, 5], [5, 15], [15, 30], [30, 45], [45, 60], [60, 90], [90, 120]];
  var BCP47 = { fr: "fr-FR", en: "en-GB", es: "es-ES", pt: "pt-PT", ar: "ar", de: "de-DE", it: "it-IT" };
  // What the voice says, per announcement language (independent of the page's own language).
  var PHRASES = {
    fr: "Ticket {number}, guichet {counter}",
    en: "Ticket {number}, counter {counter}",
    es: "Número {number}, ventanilla {counter}",
    pt: "Senha {number}, balcão {counter}",
    ar: "التذكرة {number}، الشباك {counter}",
    de: "Nummer {number}, Schalter {counter}",
    it: "Numero {number}, sportello {counter}"
  };

  var G = window.Guichet;
  var data = G.pageData();
  var T = G.pageText();
  var maxCalls = Math.max(1, Math.min(parseInt(data.max_calls, 10) || 6, 20));
  var highlightMs = (data.highlight_s || 8) * 1000;
  var languages = (data.languages && data.languages.length) ? data.languages : ["fr"];
  var pageLang = document.documentElement.lang || data.lang || "fr";  // the language of the text shown

  var $ = G.$, fill = G.fill, nbsp = G.nbsp, parseTime = G.parseTime;
  var el = {
    now: $("now"), badge: $("now-badge"), label: $("now-label"), recall: $("now-recall"), number: $("now-number"),
    counter: $("now-counter"), counterName: $("now-counter-name"), empty: $("now-empty"),
    history: $("history"), servicesBox: $("services-box"), servicesBody: $("services-body"),
    message: $("message"), messageText: $("message-text"), siteState: $("site-state"),
    hoursToday: $("hours-today"), peaks: $("peaks"), offlineText: $("offline-text"),
    sound: $("sound"), date: $("clock-date"), time: $("clock-time")
  };

  var state = {
    snapshot: null,
    calls: [],             // newest first, one per ticket number, at most maxCalls
    filter: { services: null, counters: null },
    timezone: undefined,
    offsetMs: 0,           // server clock minus ours (a Raspberry Pi may have no clock battery)
    lastSnapshotAt: Date.now(),
    loadedAt: Date.now(),
    snapshots: 0,
    queueUpdates: 0
  };
  var seen = {}, seenOrder = [];

  /* ---------- time ---------- */

  function serverNow() { return Date.now() + state.offsetMs; }

  var siteClock = new G.Clock(undefined, pageLang);
  function zoned(ms, options) {
    return siteClock.format(ms, options);
  }
  // {weekday: 0 = Monday, hour, ymd} at the site.
  function siteParts(ms) {
    var opts = { weekday: "short", hour: "numeric", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit" };
    if (state.timezone) opts.timeZone = state.timezone;
    var parts;
    try { parts = new Intl.DateTimeFormat("en-US", opts).formatToParts(new Date(ms)); }
    catch (e) { delete opts.timeZone; parts = new Intl.DateTimeFormat("en-US", opts).formatToParts(new Date(ms)); }
    var out = {};
    parts.forEach(function (p) { out[p.type] = p.value; });
    var days = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
    return { weekday: days[out.weekday], hour: parseInt(out.hour, 10) % 24, ymd: out.year + out.month + out.day };
  }
  // "08:30" -> "8 h 30", "09:00" -> "9 h" (French usage on public signs)
  function clockText(hhmm) {
    var m = /^(\d{1,2}):(\d{2})/.exec(String(hhmm));
    if (!m) return String(hhmm);
    var h = parseInt(m[1], 10), min = parseInt(m[2], 10);
    return nbsp(min ? fill(T.hours_minutes, { h: h, m: m[2] }) : fill(T.hours, { h: h }));
  }
  function durationText(minutes) {
    if (minutes < 60) return nbsp(fill(T.minutes, { m: minutes }));
    var h = Math.floor(minutes / 60), m = minutes % 60;
    // Durations have their own words: "1 h 30 min" is not the clock time "1 h 30" in every language.
    return nbsp(m ? fill(T.duration_hours_minutes, { h: h, m: (m < 10 ? "0" : "") + m }) : fill(T.duration_hours, { h: h }));
  }
  function waitText(seconds) {
    var minutes = (seconds || 0) / 60;
    for (var i = 0; i < BUCKETS.length; i++) {
      var low = BUCKETS[i][0], high = BUCKETS[i][1];
      if (minutes < high) {
        if (!low) return fill(T.less_than, { high: durationText(high) });
        if (high < 60) return fill(T.between_minutes, { low: low, high: high });
        return fill(T.between, { low: durationText(low), high: durationText(high) });
      }
    }
    return fill(T.more_than, { low: durationText(120) });
  }

  function tickClock() {
    var now = serverNow();
    var time = zoned(now, { hour: "2-digit", minute: "2-digit" });
    if (el.time.textContent !== time) el.time.textContent = time;
    var date = zoned(now, { weekday: "long", day: "numeric", month: "long" });
    if (el.date.textContent !== date) el.date.textContent = date;
  }

  /* ---------- calls ---------- */

  // "A007" is read "A 7"; anything else as it is.
  function spokenNumber(number) {
    var m = /^([A-Za-z]+)[\s-]*0*(\d+)$/.exec(String(number));
    return m ? m[1].toUpperCase() + " " + parseInt(m[2], 10) : String(number);
  }
  function counterLabel(call) {
    return call.counter_name || fill(T.counter, { n: call.counter });
  }
  // "Guichet 4 — mairie" -> "Guichet 4" where room is short (previous calls).
  function shortCounterLabel(call) {
    return counterLabel(call).split(/\s+[—–-]\s+/)[0];
  }
  // Milliseconds, not seconds: a recall may follow its call within the same second. The event and the
  // snapshot carry the same instant, whatever digits each prints.
  function callKey(call) {
    var ms = parseTime(call.called_at);
    return call.number + "|" + (isNaN(ms) ? call.called_at : ms);
  }
  function markSeen(key) {
    if (seen[key]) return;
    seen[key] = true;
    seenOrder.push(key);
    while (seenOrder.length > MAX_SEEN) delete seen[seenOrder.shift()];
  }
  function shown(call) {
    var f = state.filter || {};
    if (f.services && call.service && f.services.indexOf(call.service) < 0) return false;
    if (f.counters && f.counters.indexOf(call.counter) < 0) return false;
    return true;
  }
  function normalise(raw) {
    return {
      number: String(raw.number),
      counter: raw.counter,
      counter_name: raw.counter_name || "",
      service: raw.service,
      called_at: raw.called_at,
      at: parseTime(raw.called_at),
      recall: !!raw.recall,
      highlightUntil: 0
    };
  }
  // Newest first, one line per ticket: a recall moves the ticket back to the top.
  function addCall(list, call) {
    var out = [call];
    for (var i = 0; i < list.length && out.length < maxCalls; i++) {
      if (list[i].number !== call.number) out.push(list[i]);
    }
    return out;
  }

  function setNumber(target, number) {
    // Letter and digits apart on screen ("A 007"), one word for screen readers and tests ("A007").
    var m = /^([A-Za-z]+)(\d+)$/.exec(number);
    while (target.firstChild) target.removeChild(target.firstChild);
    if (!m) { target.textContent = number; return; }
    var a = document.createElement("span"); a.className = "num-prefix"; a.textContent = m[1];
    var b = document.createElement("span"); b.className = "num-digits"; b.textContent = m[2];
    target.appendChild(a); target.appendChild(b);
  }

  var highlightTimer = null;
  function renderCalls() {
    var now = Date.now();
    var current = state.calls[0];
    var nextExpiry = Infinity;
    if (!current) {
      el.now.setAttribute("data-state", "empty");
      el.now.classList.remove("is-called");
      el.badge.hidden = true; el.label.hidden = true; el.number.hidden = true; el.counter.hidden = true; el.empty.hidden = false;
    } else {
      var lit = current.highlightUntil > now;
      var key = callKey(current);
      if (el.now.getAttribute("data-key") !== key) {
        setNumber(el.number, current.number);
        el.counterName.textContent = counterLabel(current);
        el.now.setAttribute("data-key", key);
        el.number.hidden = false; el.counter.hidden = false;
        fitCounter();
      }
      el.now.setAttribute("data-state", lit ? "called" : "shown");
      el.now.classList.toggle("is-called", lit);
      el.badge.hidden = !lit;
      el.label.hidden = lit;
      el.recall.hidden = !current.recall;
      el.number.hidden = false; el.counter.hidden = false; el.empty.hidden = true;
      if (lit) nextExpiry = current.highlightUntil;
    }
    // Previous calls: rebuilt each time (at most maxCalls - 1 items: the DOM stays small).
    var frag = document.createDocumentFragment();
    for (var i = 1; i < state.calls.length; i++) {
      var c = state.calls[i];
      var li = document.createElement("li");
      li.className = "history-item";
      var litItem = c.highlightUntil > now;
      if (litItem) {
        li.className += " is-called";
        nextExpiry = Math.min(nextExpiry, c.highlightUntil);
        var tag = document.createElement("span");
        tag.className = "call-badge tab";
        tag.textContent = T.call;
        li.appendChild(tag);
        li.appendChild(document.createTextNode(" "));
      }
      var num = document.createElement("span");
      num.className = "history-number";
      setNumber(num, c.number);
      var arrow = document.createElement("span");
      arrow.className = "arrow";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "→";
      var counter = document.createElement("span");
      counter.className = "history-counter";
      counter.textContent = shortCounterLabel(c);
      var text = document.createElement("span");
      text.className = "history-text";
      text.appendChild(num); text.appendChild(document.createTextNode(" "));
      text.appendChild(arrow); text.appendChild(document.createTextNode(" "));
      text.appendChild(counter);
      li.appendChild(text);
      frag.appendChild(li);
    }
    while (el.history.firstChild) el.history.removeChild(el.history.firstChild);
    el.history.appendChild(frag);
    fitHistory();
    clearTimeout(highlightTimer);
    if (nextExpiry !== Infinity) highlightTimer = setTimeout(renderCalls, Math.max(nextExpiry - Date.now(), 0) + 50);
  }

  /* ---------- the rest of the snapshot ---------- */

  function renderServices(services) {
    var frag = document.createDocumentFragment();
    (services || []).forEach(function (sv) {
      var tr = document.createElement("tr");
      if (!sv.open) tr.className = "closed";
      var name = document.createElement("th");
      name.scope = "row";
      name.textContent = (sv.labels && sv.labels[pageLang]) || sv.label || sv.code;
      var waiting = document.createElement("td");
      waiting.className = "num-col";
      waiting.textContent = String(sv.waiting || 0);
      var wait = document.createElement("td");
      wait.className = "wait";
      if (sv.open) wait.textContent = waitText(sv.estimated_wait_s);
      else {
        var strong = document.createElement("strong");
        strong.textContent = T.closed;
        wait.appendChild(strong);
      }
      tr.appendChild(name); tr.appendChild(waiting); tr.appendChild(wait);
      frag.appendChild(tr);
    });
    while (el.servicesBody.firstChild) el.servicesBody.removeChild(el.servicesBody.firstChild);
    el.servicesBody.appendChild(frag);
    fitServices();
  }

  function rangesText(ranges) {
    return ranges.map(function (r) { return fill(T.range, { start: clockText(r[0]), end: clockText(r[1]) }); }).join(", ");
  }
  // [9, 10, 14] -> "9 h – 11 h, 14 h – 15 h"
  function peakText(hours) {
    var sorted = hours.slice().sort(function (a, b) { return a - b; });
    var spans = [];
    sorted.forEach(function (h) {
      var last = spans[spans.length - 1];
      if (last && last[1] === h) last[1] = h + 1; else spans.push([h, h + 1]);
    });
    return spans.map(function (s) {
      return fill(T.range, { start: nbsp(fill(T.hours, { h: s[0] })), end: nbsp(fill(T.hours, { h: s[1] % 24 })) });
    }).join(", ");
  }

  function renderSite(snap) {
    var site = snap.site || {};
    var today = siteParts(serverNow()).weekday;
    var hours = (site.hours || []).filter(function (d) { return d.weekday === today; })[0];
    var anyHours = (site.hours || []).some(function (d) { return d.ranges && d.ranges.length; });
    if (!anyHours) el.hoursToday.textContent = "";  // no hours set: always open
    else if (hours && hours.ranges && hours.ranges.length) el.hoursToday.textContent = fill(T.hours_today, { ranges: rangesText(hours.ranges) });
    else el.hoursToday.textContent = T.closed_today;
    el.hoursToday.hidden = !el.hoursToday.textContent;

    var peaks = (snap.peak_hours || []).filter(function (d) { return d.weekday === today; })[0];
    if (peaks && peaks.hours && peaks.hours.length) {
      el.peaks.textContent = fill(T.peaks, { ranges: peakText(peaks.hours) });
      el.peaks.hidden = false;
    } else el.peaks.hidden = true;

    if (site.open === false) {
      var text = T.site_closed;
      var next = parseTime(site.next_opening);
      if (!isNaN(next)) {
        var time = clockText(zoned(next, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
        var day = siteParts(next).ymd;
        var when = day === siteParts(serverNow()).ymd ? fill(T.reopens_today, { time: time })
          : day === siteParts(serverNow() + 86400000).ymd ? fill(T.reopens_tomorrow, { time: time })
          : fill(T.reopens_day, { day: zoned(next, { weekday: "long", day: "numeric", month: "long" }), time: time });
        text += " " + fill(T.reopens, { when: when });
      }
      el.siteState.textContent = text;
      el.siteState.hidden = false;
    } else el.siteState.hidden = true;
  }

  function renderMessage(message) {
    var text = String(message || "").trim();
    if (el.messageText.textContent !== text) el.messageText.textContent = text;
    el.message.hidden = !text;
  }

  /* ---------- fitting a 16:9 screen without scrolling ---------- */

  // The services table shrinks (down to a floor still readable across a room) rather than scroll.
  function fitServices() {
    var box = el.servicesBox;
    var size = 3.2;  // vh
    box.style.fontSize = size + "vh";
    while (box.scrollHeight > box.clientHeight + 1 && size > 1.7) {
      size = Math.round((size - 0.1) * 10) / 10;
      box.style.fontSize = size + "vh";
    }
  }
  // Previous calls that do not fit are hidden (never a half-cut line).
  function fitHistory() {
    var items = el.history.children;
    for (var i = 0; i < items.length; i++) items[i].hidden = false;
    for (var j = items.length - 1; j >= 0 && el.history.scrollHeight > el.history.clientHeight + 1; j--) {
      items[j].hidden = true;
    }
  }
  // A long counter name ("Bureau 5 — conseillers experts") gets smaller rather than cut.
  function fitCounter() {
    var node = el.counter;
    node.style.fontSize = "";
    if (node.hidden) return;
    var size = 7.5;  // vh, as in display.css
    while (node.scrollWidth > node.clientWidth + 1 && size > 4) {
      size = Math.round((size - 0.25) * 100) / 100;
      node.style.fontSize = size + "vh";
    }
  }
  function fitAll() { fitCounter(); fitServices(); fitHistory(); }
  // Refit whenever the room left for the lists changes (window, message, sound button, hours...).
  // The boxes' own sizes come from the grid, not from what the fit changes inside them: no loop.
  var fitFrame = null;
  function fitSoon() {
    if (fitFrame) return;
    fitFrame = window.requestAnimationFrame(function () { fitFrame = null; fitAll(); });
  }
  if (window.ResizeObserver) {
    var observer = new window.ResizeObserver(fitSoon);
    [el.servicesBox, el.history, el.counter].forEach(function (node) { observer.observe(node); });
  }
  window.addEventListener("resize", fitSoon);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitAll);

  /* ---------- announcements: chime, then the voice in each language, one call at a time ---------- */

  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  var audio = null;
  try { if (AudioCtx) audio = new AudioCtx(); } catch (e) { audio = null; }
  var queue = [];
  var speaking = false;
  var announced = 0;
  var currentUtterance = null;  // kept referenced: Chrome drops `end` of collected utterances

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function chime() {
    if (!audio || audio.state !== "running") return Promise.resolve();
    try {
      var t0 = audio.currentTime + 0.05;
      var notes = [[659.25, 0], [523.25, 0.42], [783.99, 0.84]];  // E5, C5, G5: a soft three-tone bell
      var master = audio.createGain();
      master.gain.value = 0.6;
      master.connect(audio.destination);
      notes.forEach(function (n) {
        [[1, 1], [2, 0.25]].forEach(function (partial) {  // fundamental + an octave: a bell, not a beep
          var osc = audio.createOscillator();
          var gain = audio.createGain();
          var at = t0 + n[1];
          osc.type = "sine";
          osc.frequency.value = n[0] * partial[0];
          gain.gain.setValueAtTime(0.0001, at);
          gain.gain.exponentialRampToValueAtTime(0.5 * partial[1], at + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.6);
          osc.connect(gain);
          gain.connect(master);
          osc.start(at);
          osc.stop(at + 0.65);
        });
      });
    } catch (e) {
      return Promise.resolve();
    }
    return wait(CHIME_MS);
  }

  // Chrome loads its voices asynchronously, after a first getVoices(): ask now, wait once if needed.
  var voicesWaited = false;
  try { if (window.speechSynthesis) window.speechSynthesis.getVoices(); } catch (e) { /* no speech */ }
  function voices() {
    var synth = window.speechSynthesis;
    if (!synth) return Promise.resolve([]);
    var now = synth.getVoices() || [];
    if (now.length || voicesWaited) return Promise.resolve(now);
    voicesWaited = true;  // a device without any voice does not wait at every call
    return wait(2000).then(function () { return synth.getVoices() || []; });
  }
  function pickVoice(list, lang) {
    var matching = list.filter(function (v) {
      return String(v.lang || "").replace("_", "-").toLowerCase().split("-")[0] === lang;
    });
    var wanted = (BCP47[lang] || lang).toLowerCase();
    var score = function (v) {  // a local voice works offline; the exact region sounds best
      return (v.localService ? 2 : 0) + (String(v.lang).replace("_", "-").toLowerCase() === wanted ? 1 : 0);
    };
    matching.sort(function (a, b) { return score(b) - score(a); });
    return matching[0] || null;
  }
  function say(text, lang, voice) {
    return new Promise(function (resolve) {
      var finished = false;
      var finish = function () {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        currentUtterance = null;
        resolve();
      };
      var guard = setTimeout(function () {
        try { window.speechSynthesis.cancel(); } catch (e) { /* ignore */ }
        finish();
      }, 4000 + text.length * 200);
      try {
        var u = new window.SpeechSynthesisUtterance(text);
        u.lang = BCP47[lang] || lang;
        if (voice) u.voice = voice;
        u.rate = 0.9;
        u.onend = finish;
        u.onerror = finish;
        currentUtterance = u;
        window.speechSynthesis.speak(u);
      } catch (e) {
        finish();
      }
    });
  }
  function speakCall(call) {
    if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) return Promise.resolve();
    try { window.speechSynthesis.cancel(); } catch (e) { /* a stuck queue from an earlier failure */ }
    return voices().then(function (list) {
      var chain = Promise.resolve();
      languages.forEach(function (lang, i) {
        var voice = pickVoice(list, lang);
        if (!voice) return;  // no voice for it: another language's voice would mangle it
        var text = fill(PHRASES[lang] || PHRASES.fr, { number: spokenNumber(call.number), counter: call.counter });
        chain = chain.then(function () { return i ? wait(BETWEEN_LANGUAGES_MS) : null; })
          .then(function () { return say(text, lang, voice); });
      });
      return chain;
    });
  }
  function announce(call) {
    queue.push(call);
    while (queue.length > MAX_QUEUE) queue.shift();
    next();
  }
  function next() {
    if (speaking || !queue.length) return;
    speaking = true;
    var call = queue.shift();
    chime()
      .then(function () { return speakCall(call); })
      .catch(function () { /* sound is a bonus: the call is on screen already */ })
      .then(function () {
        speaking = false;
        announced += 1;
        document.body.setAttribute("data-announced", String(announced));
        next();
      });
  }

  // Browsers keep sound off until someone touches the page (kiosk Chromium started with
  // --autoplay-policy=no-user-gesture-required is allowed at once and never shows the button).
  function updateSoundButton() {
    var blocked = !!audio && audio.state === "suspended";
    var wasHidden = el.sound.hidden;
    el.sound.hidden = !blocked;
    document.body.setAttribute("data-audio", audio ? audio.state : "none");
    if (blocked && wasHidden && (document.activeElement === document.body || !document.activeElement)) {
      el.sound.focus();  // a remote control's OK key, or Enter on a keyboard, turns the sound on
    }
  }
  function unlockSound() {
    if (!audio) return Promise.resolve();
    var resumed;
    try { resumed = audio.resume(); } catch (e) { resumed = null; }
    // speechSynthesis needs the same gesture: an empty utterance spends it.
    try {
      if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
        var u = new window.SpeechSynthesisUtterance(" ");
        u.volume = 0;
        window.speechSynthesis.speak(u);
      }
    } catch (e) { /* no speech: the chime will do */ }
    return Promise.resolve(resumed).then(updateSoundButton, updateSoundButton);
  }
  if (audio) {
    audio.onstatechange = updateSoundButton;
    el.sound.addEventListener("click", function () {
      unlockSound().then(function () { if (audio.state === "running") chime(); });  // what a call sounds like
    });
    ["click", "keydown", "touchend"].forEach(function (type) {
      document.addEventListener(type, function (e) {
        if (e.target !== el.sound && audio.state === "suspended") unlockSound();
      }, true);
    });
    // The policy may need a moment to report "running"; check again before showing the button.
    setTimeout(updateSoundButton, 500);
  } else {
    document.body.setAttribute("data-audio", "none");
  }

  /* ---------- socket ---------- */

  var socket = null;
  var offlineTimer = null;
  var refreshTimer = null;
  var retryTimer = null;

  function connected() { return !!socket && socket.connected; }

  function setOffline(on) {
    el.offlineText.hidden = !on;
    document.body.setAttribute("data-connection", on ? "offline" : (connected() ? "online" : "connecting"));
  }
  function onDown() {
    if (offlineTimer) return;
    offlineTimer = setTimeout(function () {
      offlineTimer = null;
      if (!connected()) setOffline(true);
    }, OFFLINE_NOTICE_MS);
  }
  // Spread over a few seconds: every screen of the site hears the same event at the same moment.
  function refreshSoon() {
    if (refreshTimer) return;
    var delay = REFRESH_DELAY_MS[0] + Math.random() * (REFRESH_DELAY_MS[1] - REFRESH_DELAY_MS[0]);
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      if (connected()) socket.emit("refresh");
    }, delay);
  }
  function periodicRefresh() {
    setTimeout(function () {
      if (connected()) socket.emit("refresh");
      periodicRefresh();
    }, PERIODIC_REFRESH_MS * (0.75 + Math.random() * 0.5));
  }

  function onSnapshot(snap) {
    if (!snap || typeof snap !== "object") return;
    var received = Date.now();
    var first = state.snapshots === 0;
    state.snapshots += 1;
    state.lastSnapshotAt = received;
    var server = parseTime(snap.server_time);
    if (!isNaN(server)) state.offsetMs = server - received;
    state.snapshot = snap;
    state.filter = snap.filter || { services: null, counters: null };
    if (snap.site && snap.site.timezone) siteClock.setZone(state.timezone = snap.site.timezone);

    // The server lists every call and recall event: keep the newest line per ticket.
    var fresh = [];
    var numbers = {};
    (snap.calls || []).forEach(function (raw) {
      if (!raw || numbers[raw.number]) return;
      numbers[raw.number] = true;
      fresh.push(normalise(raw));
    });
    var now = serverNow();
    // A call that an event already put on screen keeps its highlight; a call missed while we
    // were offline is shown and announced now if it is recent.
    var previous = {};
    state.calls.forEach(function (c) { previous[callKey(c)] = c; });
    var missed = [];
    fresh.forEach(function (c) {
      var key = callKey(c);
      if (previous[key]) c.highlightUntil = previous[key].highlightUntil;
      else if (!isNaN(c.at) && now - c.at < highlightMs) c.highlightUntil = received + highlightMs - (now - c.at);
      if (!first && !seen[key] && !isNaN(c.at) && now - c.at < MISSED_CALL_WINDOW_MS) {
        c.highlightUntil = received + highlightMs;
        missed.push(c);
      }
      markSeen(key);
    });
    // An event newer than the snapshot (it crossed it on the way) stays on top.
    var calls = fresh.slice(0, maxCalls);
    state.calls.forEach(function (c) {
      if (!isNaN(server) && c.at > server && !numbers[c.number]) calls = addCall(calls, c);
    });
    state.calls = calls.slice(0, maxCalls);

    renderCalls();
    renderServices(snap.services);
    renderSite(snap);
    renderMessage(snap.message);
    tickClock();
    fitAll();  // last: the message and the hours change the room left for the lists
    missed.reverse().forEach(announce);  // oldest first

    clearTimeout(offlineTimer); offlineTimer = null;
    setOffline(false);
    document.body.setAttribute("data-snapshots", String(state.snapshots));
  }

  function onCalled(ev) {
    if (!ev || !ev.number) return;
    var call = normalise(ev);
    if (!shown(call)) return;  // another screen's counter
    var key = callKey(call);
    if (seen[key]) return;
    markSeen(key);
    call.highlightUntil = Date.now() + highlightMs;
    state.calls = addCall(state.calls, call);
    renderCalls();   // seen first...
    announce(call);  // ...then heard (the waiting counts follow in queue_changed)
  }

  // {service, waiting, estimated_wait_s, open}: the service's row is updated in place.
  function onQueueChanged(ev) {
    var f = state.filter || {};
    if (ev && ev.service && f.services && f.services.indexOf(ev.service) < 0) return;
    if (!ev || typeof ev.waiting !== "number" || !state.snapshot) { refreshSoon(); return; }
    var services = state.snapshot.services || [];
    for (var i = 0; i < services.length; i++) {
      if (services[i].code !== ev.service) continue;
      services[i].waiting = ev.waiting;
      services[i].estimated_wait_s = ev.estimated_wait_s;
      if (typeof ev.open === "boolean") services[i].open = ev.open;
      renderServices(services);
      state.queueUpdates += 1;
      document.body.setAttribute("data-queue-updates", String(state.queueUpdates));
      return;
    }
    // Not shown here (another level, or a service this screen's snapshot does not list): nothing to do.
  }

  function onMessageChanged(ev) {
    if (!ev || typeof ev.message !== "string" || !state.snapshot) { refreshSoon(); return; }
    state.snapshot.message = ev.message;
    renderMessage(ev.message);
    fitAll();  // the message changes the room left for the lists
  }

  function connect() {
    if (typeof window.io !== "function") { onDown(); return; }  // the script failed: the watchdog reloads
    // Websocket first; a proxy that blocks websockets falls back to long-polling (tryAllTransports).
    // Socket.IO's own reconnection delays are randomised (± 50 %): after a server restart the screens
    // come back, and get their snapshot, spread over a few seconds rather than all at once.
    socket = window.io("/display", {
      transports: ["websocket", "polling"], tryAllTransports: true,
      reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5
    });
    socket.on("connect", function () { clearTimeout(retryTimer); });  // the server sends a snapshot
    socket.on("snapshot", onSnapshot);
    socket.on("ticket_called", onCalled);
    socket.on("queue_changed", onQueueChanged);
    socket.on("message_changed", onMessageChanged);
    socket.on("settings_changed", function (ev) {
      // This screen's own configuration (services, counters, languages, calls shown) is read when the
      // page is served: reload the page. Another screen's is not news here.
      if (ev && ev.part === "display") {
        if (data.device && ev.device === data.device) reloadWhenReachable();
        return;
      }
      refreshSoon();  // a service, a counter or the hours changed: a new snapshot
    });
    socket.on("disconnect", function (reason) {
      onDown();
      // The server closed us on purpose: Socket.IO will not come back by itself.
      if (reason === "io server disconnect") retryLater();
    });
    socket.on("connect_error", function () {
      onDown();
      if (!socket.active) retryLater();  // refused (not a network error): Socket.IO stopped retrying
    });
  }
  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { if (!connected()) socket.connect(); }, SOCKET_RETRY_MS);
  }

  /* ---------- weeks without anyone touching it ---------- */

  var reloading = false;
  // Reload only when the server answers: a browser error page would never come back by itself.
  function reloadWhenReachable() {
    if (reloading) return;
    reloading = true;
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) window.location.reload();
        else reloading = false;
      })
      .catch(function () { reloading = false; });
  }
  setInterval(function () {
    var now = Date.now();
    if (!connected() && now - state.lastSnapshotAt > WATCHDOG_MS) reloadWhenReachable();
    if (siteParts(serverNow()).hour === DAILY_RELOAD_HOUR && now - state.loadedAt > 3600000) reloadWhenReachable();
  }, WATCHDOG_CHECK_MS);
  periodicRefresh();
  setInterval(tickClock, 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refreshSoon();
  });

  // No mouse pointer left in the middle of the picture; it comes back when someone moves the mouse.
  var pointerTimer = null;
  function pointerMoved() {
    document.documentElement.classList.remove("pointer-idle");
    clearTimeout(pointerTimer);
    pointerTimer = setTimeout(function () { document.documentElement.classList.add("pointer-idle"); }, 5000);
  }
  document.addEventListener("mousemove", pointerMoved, { passive: true });
  pointerMoved();

  tickClock();
  renderCalls();
  onDown();  // "connection lost" if the first connection does not come within a few seconds
  connect();
})();

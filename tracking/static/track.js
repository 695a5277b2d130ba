/* Live tracking of one ticket: Socket.IO namespace /track, HTTP polling while the socket is down.
 *
 * Events are hints: each one is answered by a fresh snapshot, which alone drives the page.
 * Written in ES5 (no build step, no framework) so that old phones run it too.
 * The token comes from a data attribute; it is never written to the console.
 */
(function () {
  "use strict";

  var POLL_MS = 15000; // HTTP fallback while the socket is not connected
  // A waiting ticket's place moves when *other* tickets are called, which its room does not hear about.
  var WAITING_REFRESH_MS = 30000;
  var OFFLINE_NOTICE_MS = 2000; // a blip while a phone wakes up is not worth a notice
  var SOCKET_RETRY_MS = 30000; // after the server refused for a reason other than an unknown ticket
  var HINT_DELAY_MS = 200; // events arrive in bursts (ticket_called then queue_changed): one refresh
  var ENDED = { done: true, no_show: true, cancelled: true, transferred: true };
  // Same buckets as guichet.core.estimate.wait_range_minutes.
  var BUCKETS = [[0, 5], [5, 15], [15, 30], [30, 45], [45, 60], [60, 90], [90, 120]];

  var root = document.getElementById("track");
  if (!root) return;
  var token = root.getAttribute("data-token");
  var apiUrl = root.getAttribute("data-api");
  var socketPath = root.getAttribute("data-socket-path") || "/socket.io";
  var G = window.Guichet;
  var msg = G.pageText();
  var initial = G.pageData();
  var siteClock = new G.Clock(initial.timezone, document.documentElement.lang || "fr");

  var numberEl = document.getElementById("track-number");
  var serviceEl = document.getElementById("track-service");
  var region = document.getElementById("track-status");
  var connectionEl = document.getElementById("track-connection");
  var liveNote = document.getElementById("track-live-note");
  var soundRow = document.getElementById("track-sound-row");
  var soundButton = document.getElementById("track-sound");

  var socket = null;
  var ended = false;
  var shownKey = null;
  var alertedCall = callKey(initial.status === "called" ? initial.called_at : null);
  var lastUpdate = new Date();
  var offlineTimer = null;
  var hintTimer = null;
  var timers = [];

  var fill = G.fill;

  function estimateText(seconds) {
    var minutes = (seconds || 0) / 60;
    for (var i = 0; i < BUCKETS.length; i++) {
      var low = BUCKETS[i][0];
      var high = BUCKETS[i][1];
      if (minutes < high) {
        return low ? fill(msg.between, { low: low, high: high }) : fill(msg.less_than, { high: high });
      }
    }
    return fill(msg.more_than, { low: 120 });
  }

  // Seconds since the epoch: the event and the snapshot may not print fractions alike.
  function callKey(iso) {
    if (!iso) return null;
    var ms = Date.parse(String(iso).replace(/\.\d+/, ""));
    return isNaN(ms) ? String(iso) : Math.floor(ms / 1000);
  }

  function clock(date) { return siteClock.time(date.getTime()); }

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function statusNodes(t) {
    if (t.status === "waiting") {
      var list = node("dl");
      list.appendChild(node("dt", "", msg.position_label));
      list.appendChild(node("dd", "", fill(msg.position, { pos: t.position })));
      list.appendChild(node("dt", "", msg.estimate_label));
      list.appendChild(node("dd", "", estimateText(t.estimated_wait_s)));
      return [node("p", "status", msg.waiting), list];
    }
    if (t.status === "called") {
      var box = node("div", "called");
      box.appendChild(node("p", "status", fill(msg.called, { counter: t.counter })));
      var at = callKey(t.called_at);
      if (typeof at === "number") {
        box.appendChild(node("p", "call-time", fill(msg.called_at, { time: clock(new Date(at * 1000)) })));
      }
      return [box];
    }
    if (t.status === "serving") return [node("p", "status", fill(msg.serving, { counter: t.counter }))];
    var text = msg[t.status] || msg.transferred;
    return [node("p", "status", text)];
  }

  function render(t) {
    var called = t.status === "called";
    document.title = fill(called ? msg.title_called : msg.title, { number: t.number });
    if (numberEl.textContent !== t.number) {
      numberEl.textContent = t.number;
      numberEl.setAttribute("aria-label", fill(msg.number_label, { number: t.number }));
    }
    if (serviceEl.textContent !== t.service_label) serviceEl.textContent = t.service_label;
    // Only a visible change touches the live region, so screen readers speak only news.
    var key = [t.status, t.position, t.status === "waiting" ? estimateText(t.estimated_wait_s) : "",
      t.counter, called ? callKey(t.called_at) : ""].join("|");
    if (key === shownKey) return;
    shownKey = key;
    while (region.firstChild) region.removeChild(region.firstChild);
    var nodes = statusNodes(t);
    for (var i = 0; i < nodes.length; i++) region.appendChild(nodes[i]);
  }

  function applySnapshot(t) {
    if (!t || typeof t.status !== "string" || ended) return;
    lastUpdate = new Date();
    render(t);
    if (t.status === "called") maybeAlert(t.called_at);
    // A visit just finished: the page as the server draws it now holds the satisfaction question.
    if (t.status === "done" && initial.status !== "done") { window.location.reload(); return; }
    if (ENDED[t.status]) stop();
    else updateConnectionNotice();
  }

  /* ---- The call: visual (always), vibration and tone (where the device lets us) ---- */

  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  var audio = null;
  var soundWanted = true;

  function audioRunning() {
    return !!audio && audio.state === "running";
  }

  // Browsers let a page make sound only once the person has touched it (or by their own policy).
  function unlockAudio() {
    if (!AudioCtx) return;
    try {
      if (!audio) {
        audio = new AudioCtx();
        audio.onstatechange = updateSoundButton;
      }
      if (audio.state === "suspended" && audio.resume) {
        var resumed = audio.resume();
        if (resumed && resumed.then) resumed.then(updateSoundButton, function () {});
      }
    } catch (e) {
      audio = null;
    }
    updateSoundButton();
  }

  function playTone() {
    if (!soundWanted || !audioRunning()) return;
    var start = audio.currentTime + 0.05;
    var notes = [[660, 0], [880, 0.25], [660, 0.7], [880, 0.95]]; // two short "ding-dong"s
    for (var i = 0; i < notes.length; i++) {
      var at = start + notes[i][1];
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = notes[i][0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.22);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.24);
    }
  }

  function vibrate() {
    if (!navigator.vibrate) return;
    try {
      navigator.vibrate([400, 200, 400, 200, 400]);
    } catch (e) {
      /* not allowed before a touch: the screen still shows the call */
    }
  }

  function alertCitizen() {
    if (!audio && AudioCtx) unlockAudio(); // plays only if the browser already allows sound
    vibrate();
    playTone();
    if (region.scrollIntoView) region.scrollIntoView({ block: "center" });
  }

  function maybeAlert(calledAt) {
    var key = callKey(calledAt);
    if (key === null || key === alertedCall) return;
    alertedCall = key; // a recall has a new called_at, so it alerts again
    alertCitizen();
  }

  function updateSoundButton() {
    if (!AudioCtx || ended) {
      soundRow.hidden = true;
      return;
    }
    soundRow.hidden = false;
    soundButton.textContent = soundWanted && audioRunning() ? msg.sound_off : msg.sound_on;
  }

  function onSoundButton() {
    if (soundWanted && audioRunning()) {
      soundWanted = false;
      updateSoundButton();
      return;
    }
    soundWanted = true;
    unlockAudio();
    // Let the person hear what the call will sound like (resume() may still be settling).
    setTimeout(function () {
      playTone();
      updateSoundButton();
    }, 100);
  }

  /* ---- Connection: Socket.IO first, HTTP polling whenever it is down ---- */

  function connected() {
    return !!socket && socket.connected;
  }

  function updateConnectionNotice() {
    if (ended || connected() || !socket) {
      connectionEl.hidden = true;
      return;
    }
    if (!connectionEl.hidden) connectionEl.textContent = offlineText();
  }

  function offlineText() {
    return msg.offline + " " + fill(msg.last_update, { time: clock(lastUpdate) });
  }

  function onOffline() {
    if (offlineTimer || ended) return;
    offlineTimer = setTimeout(function () {
      offlineTimer = null;
      if (connected() || ended) return;
      connectionEl.textContent = offlineText();
      connectionEl.hidden = false;
    }, OFFLINE_NOTICE_MS);
  }

  function onOnline() {
    if (offlineTimer) clearTimeout(offlineTimer);
    offlineTimer = null;
    connectionEl.hidden = true;
  }

  function poll() {
    if (ended) return;
    var xhr = new XMLHttpRequest();
    xhr.open("GET", apiUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.timeout = 10000;
    xhr.onload = function () {
      if (xhr.status === 200) {
        try {
          applySnapshot(JSON.parse(xhr.responseText));
        } catch (e) {
          /* a broken answer: keep the last snapshot */
        }
      } else if (xhr.status === 404) {
        showUnknown();
      }
    };
    xhr.send();
  }

  function refresh() {
    if (ended) return;
    if (connected()) socket.emit("refresh");
    else poll();
  }

  function hint() {
    if (hintTimer) return;
    hintTimer = setTimeout(function () {
      hintTimer = null;
      refresh();
    }, HINT_DELAY_MS);
  }

  function onCalled(ev) {
    // Show the call at once from the event; the snapshot that follows confirms it.
    if (!ev || ev.counter === undefined) return;
    render({
      number: ev.number || numberEl.textContent,
      service_label: serviceEl.textContent,
      status: "called",
      counter: ev.counter,
      called_at: ev.called_at,
    });
    maybeAlert(ev.called_at);
  }

  function connectSocket() {
    if (typeof window.io !== "function") return; // the script did not load: polling alone
    socket = window.io("/track", { path: socketPath, auth: { token: token } });
    socket.on("connect", onOnline); // the server sends a snapshot on every (re)connection
    socket.on("snapshot", applySnapshot);
    socket.on("queue_changed", hint);
    socket.on("ticket_changed", hint);
    socket.on("ticket_called", function (ev) {
      onCalled(ev);
      hint();
    });
    socket.on("disconnect", function (reason) {
      onOffline();
      // The server let go of us (ticket purged): ask over HTTP what became of it.
      if (reason === "io server disconnect") poll();
    });
    socket.on("connect_error", function (err) {
      onOffline();
      if (socket.active) return; // a network problem: Socket.IO retries by itself
      if (err && err.message === "unknown_ticket") {
        poll(); // confirms, then says so on the page
        return;
      }
      timers.push(setTimeout(function () {
        if (!ended && !connected()) socket.connect();
      }, SOCKET_RETRY_MS));
    });
  }

  function showUnknown() {
    render({ number: numberEl.textContent, service_label: serviceEl.textContent, status: "unknown" });
    stop();
  }

  function stop() {
    ended = true;
    for (var i = 0; i < timers.length; i++) {
      clearTimeout(timers[i]);
      clearInterval(timers[i]);
    }
    timers = [];
    if (socket) socket.disconnect();
    onOnline();
    if (liveNote) liveNote.hidden = true;
    updateSoundButton();
  }

  /* ---- Start ---- */

  shownKey = null;
  render(initial); // same text as the server's, now in the form later updates use
  if (ENDED[initial.status]) {
    ended = true;
    return;
  }

  soundButton.addEventListener("click", onSoundButton);
  // Any touch, click or key press unlocks sound for the call (browsers require such a gesture).
  // The sound button handles its own clicks: unlocking here first would make its first click mute.
  var gestures = ["click", "touchend", "keydown"];
  var unlockOnGesture = function (event) {
    if (event.target === soundButton) return;
    unlockAudio();
    if (!audioRunning()) return;
    for (var i = 0; i < gestures.length; i++) document.removeEventListener(gestures[i], unlockOnGesture, true);
  };
  for (var g = 0; g < gestures.length; g++) document.addEventListener(gestures[g], unlockOnGesture, true);
  updateSoundButton();

  timers.push(setInterval(function () {
    if (!connected()) poll();
  }, POLL_MS));
  timers.push(setInterval(function () {
    if (connected() && shownKey && shownKey.indexOf("waiting|") === 0) socket.emit("refresh");
  }, WAITING_REFRESH_MS));
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });

  connectSocket();
})();

/* The managers' live view: GET /api/v1/sites/{site}/live on every (re)connection and every hint of
 * the site's /counter room (events are hints), and every 30 s for the longest waits that grow alone.
 * A service past its target is told in words ("Au-delà de l'objectif") and by an alert, not only by
 * colour. ES5, no build step. */
(function () {
  "use strict";
  var G = window.Guichet;
  var data = G.pageData();
  var T = G.pageText();
  var REFRESH_MS = 30000;
  var clock = null;
  var seq = 0;
  var timer = null;

  function minutes(seconds) { return seconds === null ? "—" : G.fill(T.min, { m: Math.floor(seconds / 60) }); }

  function render(live) {
    clock = clock || new G.Clock(live.site.timezone, document.documentElement.lang || "fr");
    G.$("live-at").textContent = G.fill(T.at, { time: clock.time(live.at) });
    var body = G.one("#live-services tbody");
    G.clear(body);
    live.services.forEach(function (sv) {
      var tr = G.make("tr", sv.over_target ? "over-target" : null);
      tr.setAttribute("data-service", sv.code);
      tr.appendChild(G.make("th", null, sv.label)).setAttribute("scope", "row");
      tr.appendChild(G.make("td", "s-num", String(sv.waiting)));
      tr.appendChild(G.make("td", "s-num", minutes(sv.longest_wait_s)));
      tr.appendChild(G.make("td", "s-num", minutes(sv.target_s)));
      tr.appendChild(G.make("td", "live-state", sv.waiting ? (sv.over_target ? T.over : T.ok) : T.empty));
      body.appendChild(tr);
    });
    var alerts = G.$("live-alerts");
    var late = live.services.filter(function (sv) { return sv.over_target; }).map(function (sv) { return sv.label; });
    var text = late.length ? G.fill(T.alert, { services: late.join(", ") }) : "";
    if (alerts.textContent !== text) alerts.textContent = text;
    alerts.className = late.length ? "s-alert live-alert" : "";
    var counters = G.one("#live-counters tbody");
    G.clear(counters);
    live.counters.forEach(function (c) {
      var tr = G.make("tr");
      tr.appendChild(G.make("th", null, c.name)).setAttribute("scope", "row");
      tr.appendChild(G.make("td", "counter-" + c.status, T[c.status] || c.status));
      counters.appendChild(tr);
    });
    G.$("live-open").textContent = G.fill(T.open_count, { n: live.open_counters });
    document.body.setAttribute("data-loads", String((+document.body.getAttribute("data-loads") || 0) + 1));
  }

  function reload() {
    var mine = ++seq;
    G.request("GET", "/api/v1/sites/" + encodeURIComponent(data.site) + "/live", null, { csrf: data.csrf, fallback: T.error })
      .then(function (live) { if (mine === seq) render(live); }, function () { if (mine === seq) G.$("live-alerts").textContent = T.error; });
  }

  function every() { clearTimeout(timer); timer = setTimeout(function () { reload(); every(); }, REFRESH_MS); }

  var hint = function () { reload(); };
  G.connect("/counter", {
    auth: { site: data.site },
    on: { ticket_called: hint, queue_changed: hint, ticket_changed: hint, counter_changed: hint },
    onConnect: function () { G.show(G.$("live-connection"), false); reload(); },
    onDown: function () { G.show(G.$("live-connection"), true); }
  });
  reload();
  every();
})();

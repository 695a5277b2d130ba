/* Guichet's one front-end toolkit, loaded by the base template before every page's own script.

   window.Guichet holds what every page needs once: the data and texts the page was rendered with
   (#page-data, #page-text), DOM helpers, the JSON fetch helper with the API's errors, the Socket.IO
   connection with retry and resync, times in the site's timezone on the server's clock, and
   screen-reader announcements. ES5, no build step, no framework. */
(function () {
  "use strict";

  /* ---------- the page's data and texts ---------- */
  function json(id) {
    var node = document.getElementById(id);
    if (!node) return {};
    try { return JSON.parse(node.textContent || "{}") || {}; } catch (e) { return {}; }
  }
  function pageData() { return json("page-data"); }
  function pageText() { return json("page-text"); }

  /* ---------- DOM ---------- */
  function byId(id) { return document.getElementById(id); }
  function one(selector, root) { return (root || document).querySelector(selector); }
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  // el("p", {className: "x", text: "y", "aria-live": "polite"}, [children])
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  // make("span", "badge", "3"): the short form most renderers need
  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function show(node, visible) { node.hidden = !visible; }
  // "{n} en attente" filled from {n: 3}; unknown or empty names stay as they are
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
      return values[name] === undefined || values[name] === null ? whole : String(values[name]);
    });
  }
  function nbsp(text) { return String(text).replace(/ /g, "\u00a0"); }  // "8 h 30" never split

  /* ---------- screen readers ---------- */
  var announceTimers = {};
  // Emptied first, so that the same words said twice are read twice.
  function announce(region, text) {
    var node = typeof region === "string" ? byId(region) : region;
    if (!node) return;
    var key = node.id || "_";
    node.textContent = "";
    clearTimeout(announceTimers[key]);
    announceTimers[key] = setTimeout(function () { node.textContent = text; }, 50);
  }

  /* ---------- the API ---------- */
  function ApiError(status, code, message, details) {
    this.status = status; this.code = code; this.message = message; this.details = details || {};
  }
  ApiError.prototype.toString = function () { return this.code + ": " + this.message; };

  // request("POST", "/api/v1/...", body, {csrf, timeoutMs, fallback, network, onUnauthorized})
  // resolves with the JSON (null for 204), rejects with an ApiError carrying the API's code and French
  // message; a network failure or a timeout is ApiError(0, "network", opts.network).
  function request(method, path, body, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json" };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (opts.csrf) headers["X-CSRF-Token"] = opts.csrf;
      init.body = JSON.stringify(body || {});
    }
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    if (controller && opts.timeoutMs) {
      init.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, opts.timeoutMs);
    }
    function done() { clearTimeout(timer); }
    return fetch(path, init).then(function (resp) {
      done();
      if (resp.status === 401 && opts.onUnauthorized) opts.onUnauthorized();
      if (resp.status === 204) return null;
      return resp.json().then(null, function () { return null; }).then(function (answer) {
        if (!resp.ok) {
          throw new ApiError(resp.status, (answer && answer.error) || "http_" + resp.status,
            (answer && answer.message) || opts.fallback || "", answer && answer.details);
        }
        return answer;
      });
    }, function () {
      done();
      throw new ApiError(0, "network", opts.network || opts.fallback || "", null);
    });
  }
  // The staff pages' answer to an ended session: sign in again, then come back here.
  function signIn() {
    var here = window.location.pathname + window.location.search;
    window.location.assign("/login?next=" + encodeURIComponent(here));
  }

  /* ---------- time: the site's zone, the server's clock ---------- */
  function parseTime(iso) {
    if (!iso) return NaN;
    var s = String(iso);
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(s)) s += "Z";  // a naive time from the server is UTC
    return Date.parse(s);
  }

  // One per page: clock(timezone, lang). A kiosk PC or a Raspberry Pi may be in another zone or have
  // no clock battery: times are always the site's, on the server's clock once sync() has seen it.
  function Clock(timezone, lang) {
    this.timezone = timezone || undefined;
    this.lang = lang || document.documentElement.lang || "fr";
    this.offsetMs = 0;
  }
  Clock.prototype.sync = function (serverIso) {
    var server = parseTime(serverIso);
    if (!isNaN(server)) this.offsetMs = server - Date.now();
  };
  Clock.prototype.setZone = function (timezone) { if (timezone) this.timezone = timezone; };
  Clock.prototype.now = function () { return Date.now() + this.offsetMs; };
  Clock.prototype.format = function (ms, options) {
    var opts = {};
    for (var k in options) if (Object.prototype.hasOwnProperty.call(options, k)) opts[k] = options[k];
    if (this.timezone) opts.timeZone = this.timezone;
    try {
      return new Intl.DateTimeFormat(this.lang, opts).format(new Date(ms));
    } catch (e) {
      delete opts.timeZone;  // an unknown zone name: the device's own rather than nothing
      return new Intl.DateTimeFormat(this.lang, opts).format(new Date(ms));
    }
  };
  function asMs(value) { return typeof value === "number" ? value : parseTime(value); }
  // "14:05" at the site, 24-hour whatever the language's habit
  Clock.prototype.time = function (value) {
    var ms = value === undefined ? this.now() : asMs(value);
    if (isNaN(ms)) return "";
    return this.format(ms, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  };
  // "mardi 3 décembre, 14:05" at the site
  Clock.prototype.dateTime = function (value) {
    var ms = value === undefined ? this.now() : asMs(value);
    if (isNaN(ms)) return "";
    return this.format(ms, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  };
  // Seconds elapsed since an ISO time, on the server's clock.
  Clock.prototype.since = function (iso) { var ms = parseTime(iso); return isNaN(ms) ? 0 : (this.now() - ms) / 1000; };

  /* ---------- Socket.IO: connect, retry, resync ---------- */
  // connect("/counter", {auth, path, retryMs, onConnect, onDown, on: {event: handler}})
  // onConnect runs on every (re)connection: the page reloads its snapshot there, events being hints.
  // After a refused connection (connect_error, e.g. the server restarting) or a disconnection by the
  // server, it tries again after retryMs; the client's own reconnection covers dropped connections.
  // null when the Socket.IO client is not loaded.
  function connect(namespace, opts) {
    opts = opts || {};
    if (typeof window.io !== "function") return null;
    var options = { transports: ["websocket", "polling"], tryAllTransports: true };
    if (opts.auth) options.auth = opts.auth;
    if (opts.path) options.path = opts.path;
    var socket = window.io(namespace, options);
    var retryTimer = null;
    socket.on("connect", function () {
      clearTimeout(retryTimer);
      if (opts.onConnect) opts.onConnect(socket);
    });
    Object.keys(opts.on || {}).forEach(function (name) { socket.on(name, opts.on[name]); });
    function retryLater() {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () { socket.connect(); }, opts.retryMs || 5000);
    }
    socket.on("disconnect", function (reason) {
      if (opts.onDown) opts.onDown(reason);
      if (reason === "io server disconnect") retryLater();  // the client does not retry by itself
    });
    socket.on("connect_error", function (err) {
      if (opts.onDown) opts.onDown(err);
      if (!socket.active) retryLater();  // refused: the client stopped retrying
    });
    return socket;
  }

  window.Guichet = {
    pageData: pageData, pageText: pageText,
    $: byId, one: one, all: all, el: el, make: make, clear: clear, show: show, fill: fill, nbsp: nbsp,
    announce: announce,
    request: request, signIn: signIn,
    parseTime: parseTime, Clock: Clock,
    connect: connect
  };
})();

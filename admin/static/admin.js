/* Managers' staff page (/admin/staff): the services of each counter (with a weight) and of each agent or
 * expert. One form per row, saved on its own through the REST API (docs/contracts/counter.md); success
 * and errors are said in words next to the row's button and to screen readers. ES5, no build step.
 */
(function () {
  "use strict";

  var SERVING_ROLES = ["agent", "expert"];

  var G = window.Guichet;
  var $ = G.$, fill = G.fill, clear = G.clear, make = G.make, show = G.show;
  var data = G.pageData();
  var T = Guichet.pageText();

  var state = { me: null, site: data.site || null, services: [] };
  var uid = 0;

  function announce(text) { G.announce("announce", text); }

  /* ---------- the API ---------- */

  function api(method, path, body) {
    return G.request(method, path, body, {
      csrf: data.csrf, fallback: T.error, network: T.network, onUnauthorized: G.signIn
    }).then(null, function (err) {
      if (err.status === 401) err.message = T.signed_out;
      throw err;
    });
  }
  function messageOf(err) { return (err && err.message) || T.error; }

  /* ---------- one row = one form ---------- */

  function rowForm(legendText, buttonText, describedBy) {
    var form = make("form", "row-form");
    form.noValidate = true;
    var fieldset = make("fieldset");
    fieldset.appendChild(make("legend", null, legendText));
    if (describedBy) fieldset.setAttribute("aria-describedby", describedBy);
    var list = make("ul", "choices");
    fieldset.appendChild(list);
    form.appendChild(fieldset);
    var actions = make("div", "row-actions");
    var button = make("button", "s-button", buttonText);
    button.type = "submit";
    var status = make("p", "form-status");
    status.setAttribute("role", "status");
    var error = make("p", "s-alert");
    error.setAttribute("role", "alert");
    error.hidden = true;
    actions.appendChild(button);
    actions.appendChild(status);
    actions.appendChild(error);
    form.appendChild(actions);
    form.addEventListener("change", function () {
      status.className = "form-status";
      status.textContent = T.unsaved;
    });
    return { form: form, list: list, button: button, status: status, error: error };
  }

  // The services offered as choices: the site's, plus any the row already has that the site no
  // longer lists (so that saving never drops them silently).
  function choicesFor(current) {
    var known = {};
    var out = state.services.map(function (sv) { known[sv.code] = true; return sv; });
    current.forEach(function (c) {
      if (!known[c.code]) {
        known[c.code] = true;
        out.push({ code: c.code, label: c.label || fill(T.other_service, { code: c.code }), level: null });
      }
    });
    return out;
  }

  function serviceLabel(sv) { return sv.label; }

  function checkbox(prefix, sv, checked) {
    var li = make("li", "choice");
    var id = prefix + "-" + (++uid);
    var box = make("input");
    box.type = "checkbox";
    box.id = id;
    box.name = "service";
    box.value = sv.code;
    box.checked = checked;
    var label = make("label", null, serviceLabel(sv));
    label.htmlFor = id;
    li.appendChild(box);
    li.appendChild(label);
    return { li: li, box: box };
  }

  function saving(row, on) {
    row.button.setAttribute("aria-disabled", on ? "true" : "false");
    if (on) {
      row.error.hidden = true;
      row.status.className = "form-status";
      row.status.textContent = T.saving;
    }
  }
  function saved(row, text) {
    saving(row, false);
    row.status.className = "form-status saved";
    row.status.textContent = text;
    announce(text);
  }
  function failed(row, message, focus) {
    saving(row, false);
    row.status.textContent = "";
    row.error.textContent = message;
    row.error.hidden = false;
    if (focus) focus.focus();
  }

  /* ---------- counters ---------- */

  function counterLegend(counter) {
    // "Guichet 1" already says its number; "Accueil" does not.
    var named = new RegExp("\\b" + counter.number + "\\b").test(counter.name || "");
    return named ? counter.name : fill(T.counter_legend, { name: counter.name, number: counter.number });
  }

  function renderCounter(counter) {
    var row = rowForm(
      counterLegend(counter),
      fill(T.save_counter, { number: counter.number }),
      "weight-help"
    );
    row.form.setAttribute("data-counter", String(counter.id));
    var weights = {};
    (counter.services || []).forEach(function (s) { weights[s.code] = s.weight; });
    var inputs = [];
    choicesFor(counter.services || []).forEach(function (sv) {
      var served = Object.prototype.hasOwnProperty.call(weights, sv.code);
      var c = checkbox("counter-" + counter.id, sv, served);
      var wid = c.box.id + "-weight";
      var wlabel = make("label", "weight-label", T.weight);
      wlabel.htmlFor = wid;
      var hidden = make("span", "visually-hidden", " — " + serviceLabel(sv));
      wlabel.appendChild(hidden);
      var weight = make("input");
      weight.type = "number";
      weight.id = wid;
      weight.min = "0.1";
      weight.max = "100";
      weight.step = "0.1";
      weight.inputMode = "decimal";
      weight.value = served && weights[sv.code] !== null && weights[sv.code] !== undefined ? String(weights[sv.code]) : "1";
      weight.disabled = !served;
      c.box.addEventListener("change", function () { weight.disabled = !c.box.checked; });
      var pair = make("span", "weight");
      pair.appendChild(wlabel);
      pair.appendChild(weight);
      c.li.appendChild(pair);
      row.list.appendChild(c.li);
      inputs.push({ sv: sv, box: c.box, weight: weight });
    });
    row.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (row.button.getAttribute("aria-disabled") === "true") return;
      var services = [];
      for (var i = 0; i < inputs.length; i++) {
        var it = inputs[i];
        it.weight.removeAttribute("aria-invalid");
        if (!it.box.checked) continue;
        var w = parseFloat(String(it.weight.value).replace(",", "."));
        if (!(w > 0) || !isFinite(w)) {
          it.weight.setAttribute("aria-invalid", "true");
          return failed(row, fill(T.bad_weight, { service: serviceLabel(it.sv) }), it.weight);
        }
        services.push({ code: it.sv.code, weight: w });
      }
      saving(row, true);
      api("PUT", "/api/v1/counters/" + counter.id + "/services", { services: services }).then(function (updated) {
        var text = fill(T.saved_counter, { number: counter.number });
        // Redraw the row from what the server kept; the focus goes back to the row's button.
        var fresh = renderCounter(updated && updated.services ? updated : counter);
        row.form.parentNode.replaceChild(fresh.form, row.form);
        saved(fresh, text);
        fresh.button.focus();
      }, function (err) { failed(row, messageOf(err)); });
    });
    row.button.id = "save-counter-" + counter.id;
    return row;
  }

  /* ---------- agents and experts ---------- */

  function roleText(role) { return T["role_" + role] || role; }

  function renderUser(user) {
    var row = rowForm(
      fill(T.user_legend, { name: user.name, role: roleText(user.role), username: user.username }),
      fill(T.save_user, { name: user.name }),
      "users-help"
    );
    row.form.setAttribute("data-user", String(user.id));
    var mine = {};
    (user.services || []).forEach(function (code) { mine[code] = true; });
    var boxes = [];
    choicesFor((user.services || []).map(function (code) { return { code: code }; })).forEach(function (sv) {
      var c = checkbox("user-" + user.id, sv, !!mine[sv.code]);
      row.list.appendChild(c.li);
      boxes.push(c.box);
    });
    // Said in words: no box ticked means no restriction (every service), not "nothing".
    var everything = make("p", "s-help every-service", T.every_service);
    row.list.parentNode.appendChild(everything);
    function sayEverything() { show(everything, !boxes.some(function (b) { return b.checked; })); }
    boxes.forEach(function (b) { b.addEventListener("change", sayEverything); });
    sayEverything();
    row.button.id = "save-user-" + user.id;
    row.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (row.button.getAttribute("aria-disabled") === "true") return;
      var codes = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
      saving(row, true);
      api("PUT", "/api/v1/users/" + user.id + "/services", { services: codes }).then(function (updated) {
        var text = fill(T.saved_user, { name: user.name });
        var kept = updated && updated.services ? updated : { id: user.id, name: user.name, username: user.username,
                                                             role: user.role, services: codes };
        var fresh = renderUser(kept);
        row.form.parentNode.replaceChild(fresh.form, row.form);
        saved(fresh, text);
        fresh.button.focus();
      }, function (err) { failed(row, messageOf(err)); });
    });
    return row;
  }

  /* ---------- loading ---------- */

  function loadError(err) {
    var box = $("load-error");
    box.textContent = messageOf(err);
    show(box, true);
  }

  function load(site) {
    var base = "/api/v1/sites/" + encodeURIComponent(site);
    Promise.all([api("GET", base + "/workstation"), api("GET", base + "/counters"), api("GET", base + "/staff")])
      .then(function (results) {
        state.services = (results[0] && results[0].services) || [];
        var counters = (results[1] && results[1].counters) || [];
        var users = ((results[2] && results[2].users) || []).filter(function (u) {
          return SERVING_ROLES.indexOf(u.role) >= 0;
        });
        var countersBox = $("counters"), usersBox = $("users");
        clear(countersBox);
        clear(usersBox);
        counters.forEach(function (c) { countersBox.appendChild(renderCounter(c).form); });
        users.forEach(function (u) { usersBox.appendChild(renderUser(u).form); });
        if (!counters.length) countersBox.appendChild(make("p", "s-muted", T.no_counters));
        if (!users.length) usersBox.appendChild(make("p", "s-muted", T.no_users));
        show($("counters-section"), true);
        show($("users-section"), true);
      }, loadError);
  }

  api("GET", "/api/v1/me").then(function (me) {
    state.me = me;
    var site = (me && me.site) || state.site;
    if (site) load(site);
    else {
      show($("site-form"), true);
      $("site-input").focus();
    }
  }, loadError);
})();

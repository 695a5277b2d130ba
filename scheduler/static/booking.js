/* Progressive enhancement of the booking pages: they work without it.
   - Each step's page moves the focus to its heading (or to the error summary), so a screen reader
     starts reading at the new step and keyboard users continue from there.
   - A form is sent once: a second tap while the first is on its way would book twice or be refused. */
(function () {
  "use strict";
  var target = document.querySelector("[data-focus-error]") || document.querySelector("[data-focus]");
  if (target) {
    target.focus({ preventScroll: false });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.getAttribute("data-sent") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
    var button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-disabled", "true");
  });
  // Coming back with the browser's back button shows a page from the cache: let it be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      var button = form.querySelector("button[type=submit]");
      if (button) button.removeAttribute("aria-disabled");
    });
  });
})();

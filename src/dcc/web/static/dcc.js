// DCC pages: small progressive enhancements. Every page works without this file.
"use strict";

(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');

  // htmx requests that change something carry the session's CSRF token (web/auth.py).
  document.addEventListener("htmx:configRequest", function (event) {
    if (meta) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // Filter forms apply as soon as a choice is made with the mouse. A keyboard moving through
  // the options changes the value at each arrow press, so there a choice applies on Enter
  // (or the form's button), not on each step (WCAG 3.2.2).
  let keyed = null;
  document.addEventListener("keydown", function (event) {
    const control = event.target;
    if (!(control instanceof HTMLSelectElement) || !control.closest("form[data-autosubmit]")) {
      return;
    }
    keyed = control;
    if (event.key === "Enter") {
      event.preventDefault();
      control.form.requestSubmit();
    }
  });
  document.addEventListener("pointerdown", function () { keyed = null; });
  document.addEventListener("change", function (event) {
    const control = event.target;
    if (!(control instanceof HTMLSelectElement) || control === keyed) {
      return;
    }
    const form = control.closest("form[data-autosubmit]");
    if (form) {
      form.requestSubmit();
    }
  });

  // A filter form's URL keeps only what was chosen (a short bookmark: `/?country=MY`), not
  // its empty fields and defaults (`data-default` on a control names its default).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-autosubmit][method='get']")) {
      return;
    }
    const params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      const control = form.elements.namedItem(name);
      const fallback = control && control.dataset ? control.dataset.default : undefined;
      if (value !== "" && value !== fallback) {
        params.append(name, value);
      }
    });
    event.preventDefault();
    const query = params.toString();
    window.location.assign(form.action.split("?")[0] + (query ? "?" + query : ""));
  });

  // Buttons that cannot be undone ask first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();

// Case page helpers for the playbook: the coaching panel follows the mood being logged,
// and a saved reply can be inserted into a text box. No inline scripts (CSP).
(function () {
  "use strict";

  function hostileMoods() {
    var panel = document.getElementById("coaching");
    return panel ? panel.dataset.hostileMoods.split(",") : [];
  }

  function showHostile(show) {
    var box = document.getElementById("coaching-hostile");
    if (box) box.classList.toggle("d-none", !show);
  }

  // Picking an angry or abusive mood in the log form shows the de-escalation guidance.
  document.addEventListener("change", function (event) {
    if (event.target.matches("#log-contact [name=mood]")) {
      showHostile(hostileMoods().indexOf(event.target.value) !== -1);
    }
  });

  // After a hostile contact is logged the form resets to "calm": keep the guidance shown.
  var lastMood = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id === "log-contact") {
      var mood = event.detail.elt.querySelector("[name=mood]");
      lastMood = mood ? mood.value : null;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.id === "log-contact" && event.detail.successful && hostileMoods().indexOf(lastMood) !== -1) {
      showHostile(true);
    }
  });

  function insert(target, text) {
    target.value = target.value.trim() ? target.value.trimEnd() + "\n\n" + text : text;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.focus();
  }

  // A previewed saved reply (with its phrasing check) goes into the contact log's summary.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-text]");
    if (!button) return;
    var target = document.querySelector(button.dataset.insertInto);
    if (target) insert(target, button.dataset.insertText);
  });

  // Preview a saved reply for the contact note: htmx fetches it filled in for this case.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-preview-reply]");
    if (!button || !window.htmx) return;
    var picker = document.querySelector(button.dataset.previewReply);
    if (picker) window.htmx.ajax("GET", picker.value, { target: button.dataset.previewInto, swap: "innerHTML" });
  });

  // Insert a saved reply, filled in for this case, at the end of a text box; the agent adapts it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-reply]");
    if (!button) return;
    var picker = document.querySelector(button.dataset.insertReply);
    var target = document.querySelector(button.dataset.insertInto);
    if (!picker || !target) return;
    fetch(picker.value, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) { insert(target, text); });
  });
})();

// Page-wide behaviour: the keyboard shortcuts (listed on the help overlay, templates/partials/
// _page_dialogs.html, which is also where this script reads them from), the "log a contact"
// dialog, and the confirmation asked before an irreversible action. No inline scripts (CSP).
(function () {
  "use strict";

  function modal(element) {
    return window.bootstrap.Modal.getOrCreateInstance(element);
  }

  function isTyping(target) {
    return Boolean(target && (target.isContentEditable || (target.closest && target.closest("input, textarea, select"))));
  }

  // --- The "log a contact" dialog --------------------------------------------------------

  var dialog = document.getElementById("quick-log");

  function byId(id) {
    return document.getElementById(id);
  }

  function showError(message) {
    var box = byId("quick-log-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  // Where the keyboard should be: the client search until a client is picked, then the case.
  function focusStart() {
    if (!dialog || !dialog.classList.contains("show")) return;
    var search = byId("quick-log-q");
    if (search && !byId("quick-log-search").hidden) {
      search.focus();
      return;
    }
    var summary = byId("quick-log-summary");
    if (summary) summary.focus();
  }

  if (dialog) {
    var loaded = false;
    dialog.addEventListener("show.bs.modal", function () {
      showError("");
      var success = byId("quick-log-success");
      if (success) success.remove(); // said once, after the save it was about
      if (loaded) return;
      loaded = true;
      var body = "#quick-log-body";
      window.htmx.ajax("GET", dialog.dataset.src, { target: body, swap: "innerHTML" }).then(function () {
        // htmx wires the new fields up only when it settles (a few ms later): do it now, so
        // what is typed at once into the focused search box already searches.
        window.htmx.process(document.querySelector(body));
        focusStart();
      }, function () {
        loaded = false;
      });
    });
    dialog.addEventListener("shown.bs.modal", focusStart);
  }

  function openQuickLog() {
    if (dialog) modal(dialog).show();
  }

  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#quick-log-results [role=option]"));
  }

  function setActive(option) {
    var input = byId("quick-log-q");
    options().forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
      each.classList.toggle("active", each === option);
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function closeResults() {
    var results = byId("quick-log-results");
    if (results) results.innerHTML = "";
    var input = byId("quick-log-q");
    if (input) {
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(option) {
    window.htmx.ajax("GET", option.dataset.pick, { target: "#quick-log-chosen", swap: "innerHTML" });
  }

  // Arrow keys move through the matches, Enter picks one, Escape closes the list (and only
  // the list: capture phase, before the dialog would take Escape for itself).
  document.addEventListener(
    "keydown",
    function (event) {
      if (event.target.id !== "quick-log-q") return;
      var list = options();
      var current = list.findIndex(function (each) {
        return each.getAttribute("aria-selected") === "true";
      });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!list.length) return;
        var next = event.key === "ArrowDown" ? Math.min(current + 1, list.length - 1) : Math.max(current - 1, 0);
        setActive(list[next]);
      } else if (event.key === "Enter") {
        event.preventDefault(); // never submits the form half filled
        if (current >= 0) pick(list[current]);
      } else if (event.key === "Escape" && list.length) {
        event.preventDefault();
        event.stopPropagation();
        closeResults();
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    var option = event.target.closest("#quick-log-results [role=option]");
    if (option) {
      pick(option);
      return;
    }
    if (event.target.closest("[data-quick-log-change]")) {
      byId("quick-log-chosen").innerHTML = "";
      byId("quick-log-search").hidden = false;
      var input = byId("quick-log-q");
      input.value = "";
      input.focus();
    }
  });

  // "Open a new case" asks for its title; an existing case does not.
  document.addEventListener("change", function (event) {
    if (event.target.matches("#quick-log-form select[name=case]")) {
      var title = document.querySelector("[data-quick-log-new-case]");
      title.hidden = event.target.value !== "new";
      if (!title.hidden) title.querySelector("input").focus();
    }
    if (event.target.matches("#quick-log-form select[name=channel]")) {
      event.target.dataset.touched = "true";
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.id === "quick-log-results") {
      var list = options();
      byId("quick-log-q").setAttribute("aria-expanded", list.length ? "true" : "false");
      setActive(list[0] || null);
    } else if (target.id === "quick-log-chosen") {
      byId("quick-log-search").hidden = true;
      closeResults();
      // A client limited to written contact: the contact starts on email, as on the case page.
      var chosen = target.querySelector(".quick-log-client");
      var channel = byId("quick-log-channel");
      if (chosen && chosen.dataset.writtenContactOnly === "true" && channel && !channel.dataset.touched) {
        channel.value = "email";
      }
      var caseField = target.querySelector("select[name=case]");
      if (caseField) caseField.focus();
    }
  });

  // After a save: the message, or the first field to correct (once htmx has settled the
  // swapped fields' classes).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target.matches("[data-quick-log-region]") || !target.querySelector("#quick-log-form")) return;
    var success = byId("quick-log-success");
    var invalid = target.querySelector(".is-invalid");
    if (success) success.focus();
    else if (invalid) invalid.focus();
  });

  // Ctrl+Enter (Cmd+Enter) saves from any field of the dialog.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("#quick-log-form");
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  function inDialog(event) {
    var element = event.detail.elt;
    return element && element.closest && element.closest("[data-quick-log-region], #quick-log");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (inDialog(event)) showError("");
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (!inDialog(event)) return;
    var status = event.detail.xhr.status;
    // The texts are rendered, translated, on the error box (_quick_log_dialog.html).
    var texts = (byId("quick-log-error") || {}).dataset || {};
    showError(status === 404 ? texts.notFound : texts.failed);
  });
  document.addEventListener("htmx:sendError", function (event) {
    var box = byId("quick-log-error");
    if (inDialog(event) && box) showError(box.dataset.offline);
  });

  // --- Confirmation before an irreversible action ---------------------------------------
  // A plain form carries data-confirm="question" (and data-confirm-yes="button label"); an
  // htmx request carries hx-confirm. Both ask in the same dialog before anything is sent.

  var confirmDialog = document.getElementById("confirm-dialog");
  var confirmed = null;

  function ask(question, yesLabel, onYes) {
    if (!confirmDialog) {
      if (window.confirm(question)) onYes();
      return;
    }
    var yes = byId("confirm-dialog-yes");
    byId("confirm-dialog-question").textContent = question;
    yes.textContent = yesLabel || yes.dataset.defaultLabel;
    confirmed = onYes;
    modal(confirmDialog).show();
  }

  if (confirmDialog) {
    byId("confirm-dialog-yes").addEventListener("click", function () {
      var action = confirmed;
      confirmed = null;
      modal(confirmDialog).hide();
      if (action) action();
    });
    confirmDialog.addEventListener("shown.bs.modal", function () {
      byId("confirm-dialog-yes").focus();
    });
    confirmDialog.addEventListener("hidden.bs.modal", function () {
      confirmed = null;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-confirm]")) return;
    if (form.dataset.confirmedOnce === "true") {
      delete form.dataset.confirmedOnce;
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    ask(form.dataset.confirm, form.dataset.confirmYes, function () {
      form.dataset.confirmedOnce = "true";
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    });
  });

  document.addEventListener("htmx:confirm", function (event) {
    if (!event.detail.question) return;
    event.preventDefault();
    ask(event.detail.question, event.detail.elt.dataset.confirmYes, function () {
      event.detail.issueRequest(true);
    });
  });

  // --- Keyboard shortcuts -----------------------------------------------------------------

  var help = document.getElementById("shortcuts-help");
  var waitingForSecondKey = null;

  function shortcut(keys) {
    return help ? help.querySelector('[data-shortcut="' + keys.replace(/["\\]/g, "\\$&") + '"]') : null;
  }

  function focusSearch() {
    var search = byId("nav-search");
    if (!search) return;
    var menu = byId("nav");
    if (search.offsetParent === null && menu) {
      // The navigation is folded away on a narrow screen: open it first.
      menu.addEventListener("shown.bs.collapse", function () { search.focus(); }, { once: true });
      window.bootstrap.Collapse.getOrCreateInstance(menu).show();
      return;
    }
    search.focus();
    search.select();
  }

  // On a case page: the composer's note, and the current step's main action.
  function focusOnPage(id) {
    return function () {
      var target = byId(id);
      if (!target) return;
      target.scrollIntoView({ block: "center" });
      target.focus();
    };
  }

  var actions = {
    "quick-log": openQuickLog,
    search: focusSearch,
    "case-note": focusOnPage("id_summary"),
    "case-step": focusOnPage("step-main-action"),
    help: function () {
      modal(help).show();
    },
  };

  function run(row) {
    if (row.dataset.shortcutUrl) window.location.assign(row.dataset.shortcutUrl);
    else if (actions[row.dataset.shortcutAction]) actions[row.dataset.shortcutAction]();
  }

  document.addEventListener("keydown", function (event) {
    if (!help || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector(".modal.show")) return;
    var row;
    if (waitingForSecondKey) {
      clearTimeout(waitingForSecondKey);
      waitingForSecondKey = null;
      row = shortcut("g " + event.key);
    } else if (event.key === "g") {
      waitingForSecondKey = setTimeout(function () {
        waitingForSecondKey = null;
      }, 1500);
      return;
    } else {
      row = shortcut(event.key);
    }
    if (!row) return;
    event.preventDefault();
    run(row);
  });

  // Browser tests wait for this before pressing keys: the script runs at the end of the
  // page, after the page's first elements are already visible.
  document.documentElement.setAttribute("data-casebook-ready", "true");
})();

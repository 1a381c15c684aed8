// The agent's extras on a chat's page (templates/desk/chat.html), beside static/js/chat.js
// (loaded before it, so it sees every message drawn): the coach checks the message being
// typed and holds back a message with an inflaming phrase until it is sent a second time;
// an abusive client message offers the boundary protocol. Texts come from the page's data
// attributes (translated there); nothing from a message is drawn as HTML.
(function () {
  "use strict";

  var root = document.querySelector("[data-chat-socket]");
  var coach = document.getElementById("chat-coach");
  if (!root || !coach || root.dataset.chatSide !== "agent") return;

  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-text");
  var anyway = document.getElementById("chat-send-anyway");
  var boundaryTools = document.getElementById("chat-boundary-tools");
  var texts = coach.dataset;
  var lastAdvice = null; // the coach's answer for the text it was asked about
  var armed = null; // a flagged text the agent has been warned about: the next send sends it
  var timer = null;
  var endedForAbuse = false;

  function frame(data) {
    root.dispatchEvent(new CustomEvent("chat:send-frame", { detail: data }));
  }

  function line(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function showAdvice(advice, held) {
    coach.replaceChildren();
    anyway.hidden = true;
    if (!advice || (!advice.flagged && !advice.agree)) {
      coach.hidden = true;
      return;
    }
    coach.hidden = false;
    if (advice.flagged) {
      coach.appendChild(line("p", held ? texts.textHeld : texts.textFlagged, "fw-semibold mb-1"));
      var list = document.createElement("ul");
      list.className = "mb-1";
      advice.warnings.forEach(function (warning) {
        var item = document.createElement("li");
        item.appendChild(line("strong", "“" + warning.phrase + "”"));
        item.appendChild(document.createTextNode(": " + warning.why + " " + texts.textTry + " "));
        item.appendChild(line("em", warning.suggestion));
        list.appendChild(item);
      });
      coach.appendChild(list);
    }
    if (advice.agree) coach.appendChild(line("p", advice.agree, "mb-0"));
    anyway.hidden = !held;
  }

  function check() {
    var text = input.value;
    if (!text.trim()) {
      lastAdvice = null;
      showAdvice(null, false);
      return;
    }
    frame({ type: "check", text: text });
  }

  if (form) {
    input.addEventListener("input", function () {
      if (armed !== null && input.value !== armed) armed = null;
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 350);
    });

    root.addEventListener("chat:before-send", function (event) {
      var text = event.detail.text;
      if (armed === text) {
        // Warned, and sent again: the agent's call.
        event.detail.confirmed = true;
        armed = null;
        lastAdvice = null;
        showAdvice(null, false);
        return;
      }
      if (lastAdvice && lastAdvice.text === text && lastAdvice.flagged) {
        event.preventDefault();
        armed = text;
        showAdvice(lastAdvice, true);
        return;
      }
      lastAdvice = null;
      showAdvice(null, false);
    });

    anyway.addEventListener("click", function () {
      armed = input.value;
      form.requestSubmit();
    });
  }

  root.addEventListener("chat:frame", function (event) {
    var data = event.detail;
    if (data.type === "advice") {
      if (data.id) {
        // The server held a send back (the check had not answered yet, or an old page).
        lastAdvice = data;
        armed = data.text;
        showAdvice(data, true);
        input.focus();
      } else if (input && data.text === input.value) {
        lastAdvice = data;
        showAdvice(data, armed === data.text);
      }
    } else if (data.type === "handed") {
      // Who may write changed: draw the page again for this agent's new part.
      window.location.reload();
    } else if (data.type === "closed") {
      root.querySelectorAll(".chat-boundary button").forEach(function (button) {
        button.disabled = true;
      });
      if (endedForAbuse) document.getElementById("chat-status").textContent = texts.textEscalated;
    }
  });

  // The boundary protocol beside an abusive client message: the prepared message, then the end.
  root.addEventListener("chat:drawn", function (event) {
    var message = event.detail.message;
    if (!form || !boundaryTools || message.side !== "client" || message.mood !== "abusive") return;
    var tools = boundaryTools.content.firstElementChild.cloneNode(true);
    var use = tools.querySelector("[data-boundary-use]");
    var end = tools.querySelector("[data-boundary-end]");
    use.addEventListener("click", function () {
      input.value = use.dataset.boundaryUse;
      input.focus();
      check();
    });
    end.addEventListener("click", function () {
      if (end.dataset.armed !== "yes") {
        end.dataset.armed = "yes";
        end.textContent = end.dataset.confirmText;
        return;
      }
      endedForAbuse = true;
      end.disabled = true;
      frame({ type: "end_abuse" });
    });
    event.detail.item.appendChild(tools);
  });
})();

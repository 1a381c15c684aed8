// The live chat in the browser, on the client's page and the agent's (templates/chat/
// _conversation.html). Each message goes out with an id of its own and is kept (in
// sessionStorage) until the server acknowledges it, then resent after a reconnection: the
// server stores it once. The messages seen and the last number seen in an unbroken run are
// kept too, so after a reload or a dropped connection the page asks only for what came
// after. A message may arrive twice (live and by resuming): it is drawn once per number.
// No inline script and no HTML from messages: text is drawn as text (CSP, escaping).
// The agent's extras (static/js/chat-agent.js: the coach, the boundary protocol) hook in
// through events on the chat's root: "chat:drawn" (a message's item), "chat:frame" (any
// frame from the server), "chat:before-send" (cancelable; may set detail.confirmed), and
// they send frames with a "chat:send-frame" event.
(function () {
  "use strict";

  var root = document.querySelector("[data-chat-socket]");
  if (!root) return;

  var side = root.dataset.chatSide;
  var key = "casebook-chat:" + root.dataset.chatKey + ":";
  var log = document.getElementById("chat-log");
  var statusLine = document.getElementById("chat-status");
  var errorLine = document.getElementById("chat-error");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-text");
  var texts = root.dataset;

  function load(name, fallback) {
    try {
      var value = window.sessionStorage.getItem(key + name);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback;
    }
  }

  function save(name, value) {
    try {
      window.sessionStorage.setItem(key + name, JSON.stringify(value));
    } catch (error) {
      // Storage full or refused: the chat still works, a reload just asks for more.
    }
  }

  var seen = load("seen", {}); // seq -> message
  var lastSeq = load("last", 0); // every message up to this number is in `seen`
  var pending = load("pending", {}); // client id -> text, until acknowledged
  var confirmed = load("confirmed", {}); // client id -> true: sent anyway, past the coach
  var socket = null;
  var retryDelay = 1000;
  var closed = false;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function showError(message) {
    errorLine.textContent = message || "";
    errorLine.hidden = !message;
  }

  function setWritable(on) {
    if (!form) return;
    input.disabled = !on;
    form.querySelector("button[type=submit]").disabled = !on;
  }

  function textBlock(text) {
    var block = document.createElement("div");
    text.split("\n").forEach(function (line, index) {
      if (index) block.appendChild(document.createElement("br"));
      block.appendChild(document.createTextNode(line));
    });
    return block;
  }

  function draw(message) {
    if (log.querySelector('[data-seq="' + message.seq + '"]')) return;
    var item = document.createElement("li");
    item.dataset.seq = message.seq;
    item.className = "chat-message mb-2 chat-" + message.side + (message.side === "system" ? " text-body-secondary small" : "");
    var head = document.createElement("div");
    head.className = "small";
    var who = document.createElement("strong");
    who.textContent = message.author;
    head.appendChild(who);
    var when = document.createElement("time");
    when.dateTime = message.at;
    when.className = "ms-2 text-body-secondary";
    when.textContent = new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    head.appendChild(when);
    if (message.mood && side === "agent") {
      var mood = document.createElement("span");
      mood.className = "badge ms-2 " + (message.mood === "abusive" || message.mood === "angry" ? "text-bg-danger" : "text-bg-light");
      mood.textContent = texts.textMood + ": " + message.mood;
      head.appendChild(mood);
    }
    item.appendChild(head);
    item.appendChild(textBlock(message.text));
    // In number order, whatever order they arrived in.
    var later = Array.prototype.find.call(log.children, function (other) {
      return other.dataset.seq && Number(other.dataset.seq) > message.seq;
    });
    log.insertBefore(item, later || null);
    var sending = log.querySelector('[data-pending="' + CSS.escape(String(message.id)) + '"]');
    if (sending && message.side === side) sending.remove();
    item.scrollIntoView({ block: "nearest" });
    root.dispatchEvent(new CustomEvent("chat:drawn", { detail: { message: message, item: item } }));
  }

  function forget(id) {
    delete pending[id];
    delete confirmed[id];
    save("pending", pending);
    save("confirmed", confirmed);
  }

  function sendFrame(id) {
    var frame = { type: "send", id: id, text: pending[id] };
    if (confirmed[id]) frame.confirmed = true;
    send(frame);
  }

  function remember(message) {
    if (!seen[message.seq]) {
      seen[message.seq] = message;
      while (seen[lastSeq + 1]) lastSeq += 1;
      save("seen", seen);
      save("last", lastSeq);
    }
    draw(message);
  }

  function drawSending(id, text) {
    var item = document.createElement("li");
    item.dataset.pending = id;
    item.className = "mb-2 text-body-secondary";
    item.appendChild(textBlock(text));
    var note = document.createElement("div");
    note.className = "small";
    note.textContent = texts.textSending;
    item.appendChild(note);
    log.appendChild(item);
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.dataset.chatSocket);
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      statusLine.textContent = texts.textOnline;
      setWritable(!closed);
      send({ type: "resume", after: lastSeq });
      Object.keys(pending).forEach(sendFrame);
    });
    socket.addEventListener("message", function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "message") {
        remember(frame);
      } else if (frame.type === "ack") {
        forget(frame.id);
      } else if (frame.type === "error" || frame.type === "advice") {
        if (frame.id && pending[frame.id] !== undefined) {
          // Refused (too long, too fast, closed) or held back by the coach: not stored, so
          // not resent either; the text goes back to the composer.
          if (input && !input.value) input.value = pending[frame.id];
          forget(frame.id);
          var sending = log.querySelector('[data-pending="' + CSS.escape(String(frame.id)) + '"]');
          if (sending) sending.remove();
        }
        if (frame.type === "error") showError(frame.message);
      } else if (frame.type === "closed") {
        closed = true;
        setWritable(false);
        statusLine.textContent = texts.textClosed;
        root.querySelectorAll("[data-chat-action]").forEach(function (button) {
          button.disabled = true;
        });
      }
      root.dispatchEvent(new CustomEvent("chat:frame", { detail: frame }));
    });
    socket.addEventListener("close", function (event) {
      setWritable(false);
      if (event.code === 4403 || event.code === 4404) {
        statusLine.textContent = texts.textRefused;
        return;
      }
      if (closed) return;
      statusLine.textContent = texts.textOffline;
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      var before = new CustomEvent("chat:before-send", { cancelable: true, detail: { text: text, confirmed: false } });
      if (!root.dispatchEvent(before)) return;
      showError("");
      var id = newId();
      pending[id] = text;
      save("pending", pending);
      if (before.detail.confirmed) {
        confirmed[id] = true;
        save("confirmed", confirmed);
      }
      drawSending(id, text);
      sendFrame(id);
      input.value = "";
      input.focus();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  document.querySelectorAll("[data-chat-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      send({ type: button.dataset.chatAction });
    });
  });
  root.addEventListener("chat:send-frame", function (event) {
    send(event.detail);
  });

  Object.keys(seen)
    .map(Number)
    .sort(function (a, b) {
      return a - b;
    })
    .forEach(function (seq) {
      draw(seen[seq]);
    });
  Object.keys(pending).forEach(function (id) {
    drawSending(id, pending[id]);
  });
  connect();
})();

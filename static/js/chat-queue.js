// The Chats queue (templates/desk/chats.html): htmx redraws the lists every 10 seconds; this
// marks a chat that started waiting since the page was opened (a highlighted row, a short
// beep, a line for screen readers) and keeps the number waiting in the tab's title and on the
// navigation's Chats link. The beep needs the browser's leave: it plays only after the user
// has clicked or typed on the page, and the "Sound on/off" switch is kept in localStorage.
(function () {
  "use strict";

  var queue = document.getElementById("chat-queue");
  if (!queue) return;

  var soundKey = "casebook-chats-sound";
  var soundButton = document.getElementById("chats-sound");
  var announce = document.getElementById("chats-announce");
  var baseTitle = document.title;
  var known = null; // the waiting chats' ids already seen
  var fresh = {}; // ids that came while the page was open: highlighted until taken
  var audio = null;

  function soundOn() {
    try {
      return window.localStorage.getItem(soundKey) !== "off";
    } catch (error) {
      return true;
    }
  }

  function drawSoundButton() {
    var on = soundOn();
    soundButton.hidden = false;
    soundButton.setAttribute("aria-pressed", on ? "true" : "false");
    soundButton.textContent = on ? soundButton.dataset.textOn : soundButton.dataset.textOff;
  }

  soundButton.addEventListener("click", function () {
    try {
      window.localStorage.setItem(soundKey, soundOn() ? "off" : "on");
    } catch (error) {
      // Storage refused: the switch works for this page only.
    }
    drawSoundButton();
  });

  // Browsers let a page play sound only after the user did something on it.
  function unlock() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    audio = new (window.AudioContext || window.webkitAudioContext)();
  }
  document.addEventListener("click", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });

  function beep() {
    if (!audio || !soundOn()) return;
    var tone = audio.createOscillator();
    var volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.15, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  }

  function navBadge(count) {
    var link = document.querySelector('.nav-link[href="' + queue.dataset.chatsUrl + '"]');
    if (!link) return;
    var badge = link.querySelector("[data-chats-badge]");
    if (!count) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge text-bg-warning ms-1";
      badge.dataset.chatsBadge = "";
      link.appendChild(badge);
    }
    badge.textContent = String(count);
  }

  function update() {
    var rows = queue.querySelectorAll("[data-waiting-chat]");
    var ids = Array.prototype.map.call(rows, function (row) {
      return row.dataset.waitingChat;
    });
    var arrived = known === null ? [] : ids.filter(function (id) {
      return known.indexOf(id) === -1;
    });
    known = ids;
    arrived.forEach(function (id) {
      fresh[id] = true;
    });
    rows.forEach(function (row) {
      if (fresh[row.dataset.waitingChat]) {
        row.classList.add("table-warning");
        row.dataset.newChat = "";
      }
    });
    document.title = ids.length ? "(" + ids.length + ") " + baseTitle : baseTitle;
    navBadge(ids.length);
    if (arrived.length) {
      announce.textContent = announce.dataset.textNew;
      beep();
    }
  }

  drawSoundButton();
  update();
  queue.addEventListener("htmx:afterSwap", update);
})();

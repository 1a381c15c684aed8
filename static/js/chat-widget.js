/* Casebook's live chat on any website, with one tag:
 *   <script src="https://<casebook>/static/js/chat-widget.js" data-team="<team id>" defer></script>
 * It adds a "Chat with us" button; the button opens a panel holding our own chat page in a
 * frame (/chat/start/?team=<id>). Optional: data-label (the button's text).
 *
 * The host page may have a strict Content-Security-Policy: nothing here is inline script,
 * no <style> element and no style attribute is written (both are refused under such a
 * policy); the look is set through element.style (the CSSOM), which policies allow. Only
 * the frame needs the host's `frame-src` to name our origin.
 *
 * The same file runs inside our chat pages (no data-team there): in a frame, Escape asks
 * the host's widget to close the panel, since key presses inside a frame never reach the
 * host page.
 */
(function () {
  "use strict";

  var CLOSE_MESSAGE = "casebook-chat:close";
  var script = document.currentScript;

  if (!script || !script.dataset.team) {
    // Inside our own chat page, framed by the widget: pass Escape up to it.
    if (window.parent !== window) {
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          window.parent.postMessage(CLOSE_MESSAGE, "*");
        }
      });
    }
    return;
  }

  var origin = new URL(script.src, document.baseURI).origin;
  var team = script.dataset.team;
  var label = script.dataset.label || "Chat with us";
  var phone = window.matchMedia("(max-width: 480px)");

  function styled(element, styles) {
    Object.keys(styles).forEach(function (name) {
      element.style[name] = styles[name];
    });
    return element;
  }

  var font = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
  var button = styled(document.createElement("button"), {
    position: "fixed",
    right: "16px",
    bottom: "16px",
    zIndex: "2147483000",
    padding: "12px 18px",
    border: "2px solid #ffffff",
    borderRadius: "24px",
    background: "#0b5ed7",
    color: "#ffffff",
    font: "600 16px/1.2 " + font,
    cursor: "pointer",
    boxShadow: "0 2px 8px rgba(0, 0, 0, 0.3)",
  });
  button.type = "button";
  button.textContent = label;
  button.id = "casebook-chat-button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "casebook-chat-panel");

  var panel = styled(document.createElement("div"), {
    position: "fixed",
    zIndex: "2147483001",
    boxSizing: "border-box",
    display: "none",
    flexDirection: "column",
    background: "#ffffff",
    border: "1px solid #6c757d",
    boxShadow: "0 4px 16px rgba(0, 0, 0, 0.3)",
    overflow: "hidden",
  });
  panel.id = "casebook-chat-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);

  var bar = styled(document.createElement("div"), {
    display: "flex",
    alignItems: "center",
    justifyContent: "space-between",
    padding: "6px 8px 6px 14px",
    background: "#0b5ed7",
    color: "#ffffff",
    font: "600 16px/1.2 " + font,
  });
  var title = document.createElement("span");
  title.textContent = label;
  var close = styled(document.createElement("button"), {
    minWidth: "44px",
    minHeight: "44px",
    border: "0",
    background: "transparent",
    color: "#ffffff",
    font: "600 24px/1 " + font,
    cursor: "pointer",
  });
  close.type = "button";
  close.textContent = "\u00d7";
  close.setAttribute("aria-label", "Close the chat");

  var frame = styled(document.createElement("iframe"), {
    flex: "1 1 auto",
    width: "100%",
    border: "0",
  });
  frame.title = label;

  bar.appendChild(title);
  bar.appendChild(close);
  panel.appendChild(bar);
  panel.appendChild(frame);

  function place() {
    // Full screen on a phone; a corner panel elsewhere.
    var full = phone.matches;
    styled(panel, {
      top: full ? "0" : "auto",
      left: full ? "0" : "auto",
      right: full ? "0" : "16px",
      bottom: full ? "0" : "80px",
      width: full ? "100%" : "380px",
      height: full ? "100%" : "560px",
      maxHeight: full ? "100%" : "calc(100vh - 96px)",
      borderRadius: full ? "0" : "12px",
    });
  }

  function isOpen() {
    return panel.style.display !== "none";
  }

  function open() {
    if (!frame.src) {
      frame.src = origin + "/chat/start/?team=" + encodeURIComponent(team);
    }
    place();
    panel.style.display = "flex";
    button.setAttribute("aria-expanded", "true");
    if (phone.matches) {
      button.style.display = "none";
    }
    close.focus();
  }

  function shut() {
    if (!isOpen()) {
      return;
    }
    panel.style.display = "none";
    button.style.display = "";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  button.addEventListener("click", function () {
    if (isOpen()) {
      shut();
    } else {
      open();
    }
  });
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      shut();
    }
  });
  window.addEventListener("message", function (event) {
    if (event.origin === origin && event.source === frame.contentWindow && event.data === CLOSE_MESSAGE) {
      shut();
    }
  });
  phone.addEventListener("change", function () {
    if (isOpen()) {
      place();
    }
  });

  function mount() {
    document.body.appendChild(button);
    document.body.appendChild(panel);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();

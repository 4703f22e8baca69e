/*
 * bluelamp web chat widget. Embed with one tag:
 *   <script src="/widget.js" defer></script>
 * Optional: data-force-name="Northshire Police" on the script tag.
 *
 * Rules kept here: every piece of text goes into the page with textContent (never
 * innerHTML); links are built with createElement and only for http(s) URLs; no inline
 * styles or scripts (the gateway's CSP forbids them).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : "/widget.js", window.location.href);
  var forceName = (script && script.getAttribute("data-force-name")) || "Northshire Police";
  var MAX_CHARS = 2000;
  var KEY_CONVERSATION = "bluelamp.conversation";
  var KEY_PENDING = "bluelamp.pending";
  var KEY_OPEN = "bluelamp.open";

  // ---------- storage (private browsing may refuse it; the chat still works) ----------
  function load(storage, key) {
    try { return storage.getItem(key); } catch (e) { return null; }
  }
  function save(storage, key, value) {
    try { storage.setItem(key, value); } catch (e) { /* ignore */ }
  }
  function randomId(prefix) {
    if (window.crypto && crypto.randomUUID) { return prefix + crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return prefix + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  var conversationId = load(window.localStorage, KEY_CONVERSATION);
  if (!conversationId || !/^[A-Za-z0-9_\-:.]{1,128}$/.test(conversationId)) {
    conversationId = randomId("web-");
    save(window.localStorage, KEY_CONVERSATION, conversationId);
  }
  var pending = [];
  try { pending = JSON.parse(load(window.localStorage, KEY_PENDING) || "[]"); } catch (e) { pending = []; }
  if (!Array.isArray(pending)) { pending = []; }
  function savePending() { save(window.localStorage, KEY_PENDING, JSON.stringify(pending)); }
  function findPending(id) {
    for (var i = 0; i < pending.length; i++) { if (pending[i].id === id) { return pending[i]; } }
    return null;
  }
  function dropPending(id) {
    pending = pending.filter(function (p) { return p.id !== id; });
    savePending();
  }

  // ---------- DOM helpers ----------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  var URL_RE = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)'])/g;
  function appendLinkified(parent, text) {
    var parts = String(text).split(URL_RE);
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) { continue; }
      if (i % 2 === 1) {
        var url;
        try { url = new URL(parts[i]); } catch (e) { url = null; }
        if (url && (url.protocol === "https:" || url.protocol === "http:")) {
          var a = el("a", "bl-link", parts[i]);
          a.href = url.href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          parent.appendChild(a);
          continue;
        }
      }
      parent.appendChild(document.createTextNode(parts[i]));
    }
  }
  function timeLabel(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) { d = new Date(); }
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // ---------- build the widget ----------
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("widget.css", base).href;
  document.head.appendChild(css);

  var root = el("div", "bl-widget");
  var launcher = el("button", "bl-launcher", "Chat with " + forceName);
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "bl-panel");

  var panel = el("section", "bl-panel");
  panel.id = "bl-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "bl-title");

  var header = el("div", "bl-header");
  var title = el("h2", "bl-title", forceName + " online chat");
  title.id = "bl-title";
  var closeBtn = el("button", "bl-close", "Close");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "Close chat");
  header.appendChild(title);
  header.appendChild(closeBtn);

  var emergency = el("p", "bl-emergency");
  emergency.appendChild(el("strong", null, "In an emergency call 999"));
  emergency.appendChild(document.createTextNode(" (do not wait for a reply here)"));

  var status = el("p", "bl-status");
  status.setAttribute("role", "status");

  var log = el("div", "bl-log");
  log.id = "bl-log";
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0;

  var typing = el("p", "bl-typing", forceName + " assistant is typing…");
  typing.hidden = true;

  var quick = el("div", "bl-quick");
  quick.setAttribute("role", "group");
  quick.setAttribute("aria-label", "Suggested replies");

  var form = el("form", "bl-form");
  var label = el("label", "bl-label", "Your message");
  label.htmlFor = "bl-input";
  var input = el("textarea", "bl-input");
  input.id = "bl-input";
  input.rows = 2;
  input.maxLength = MAX_CHARS;
  input.setAttribute("aria-describedby", "bl-hint");
  var hint = el("span", "bl-hint", "Press Enter to send, Shift and Enter for a new line.");
  hint.id = "bl-hint";
  var send = el("button", "bl-send", "Send");
  send.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(hint);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(emergency);
  panel.appendChild(status);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(quick);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);
  document.body.appendChild(root);

  // ---------- transcript ----------
  var nodesById = {};

  function renderMessage(m) {
    // m: {direction: "in"|"out", author, text, label?, ts, message_id?, state?}
    var mine = m.direction === "in";
    var item = el("div", "bl-msg " + (mine ? "bl-msg--in" : "bl-msg--out") +
      (m.author === "system" ? " bl-msg--system" : ""));
    var who = mine ? "You" : (m.author === "operator" ? forceName + " staff" : forceName);
    item.appendChild(el("span", "bl-visually-hidden", who + " said: "));
    var body = el("p", "bl-text");
    appendLinkified(body, m.label || m.text);
    item.appendChild(body);
    var meta = el("p", "bl-meta");
    var time = el("time", null, timeLabel(m.ts));
    if (m.ts) { time.dateTime = m.ts; }
    meta.appendChild(el("span", null, who + " · "));
    meta.appendChild(time);
    var state = el("span", "bl-state", m.state ? " · " + m.state : "");
    meta.appendChild(state);
    item.appendChild(meta);
    log.appendChild(item);
    if (m.message_id) { nodesById[m.message_id] = state; }
    log.scrollTop = log.scrollHeight;
  }

  function setState(id, text) {
    if (nodesById[id]) { nodesById[id].textContent = text ? " · " + text : ""; }
  }

  function note(text) {
    renderMessage({ direction: "out", author: "system", text: text, ts: new Date().toISOString() });
  }

  function showQuickReplies(buttons) {
    clear(quick);
    (buttons || []).forEach(function (b) {
      if (!b || typeof b.title !== "string") { return; }
      var btn = el("button", "bl-quick-btn", b.title);
      btn.type = "button";
      btn.addEventListener("click", function () {
        sendMessage(typeof b.payload === "string" && b.payload ? b.payload : b.title, b.title);
      });
      quick.appendChild(btn);
    });
  }

  // ---------- socket ----------
  var ws = null;
  var backoff = 1000;
  var connecting = false;

  function wsUrl() {
    var u = new URL("/ws", base);
    u.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    u.search = "?conversation=" + encodeURIComponent(conversationId);
    return u.href;
  }

  function isOpen() { return ws && ws.readyState === WebSocket.OPEN; }

  function transmit(p) {
    if (!isOpen()) { return; }
    var frame = { type: "message", id: p.id, text: p.text };
    if (p.label) { frame.label = p.label; }
    ws.send(JSON.stringify(frame));
  }

  function connect() {
    if (connecting || isOpen()) { return; }
    connecting = true;
    status.textContent = "Connecting…";
    try {
      ws = new WebSocket(wsUrl());
    } catch (e) {
      connecting = false;
      scheduleReconnect();
      return;
    }
    ws.addEventListener("open", function () {
      connecting = false;
      backoff = 1000;
      status.textContent = "";
      ws.send(JSON.stringify({ type: "history" }));
    });
    ws.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") { handleFrame(frame); }
    });
    ws.addEventListener("close", function () {
      connecting = false;
      typing.hidden = true;
      status.textContent = "Reconnecting… Your messages will be sent when we are back.";
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    var delay = backoff + Math.floor(Math.random() * 500);
    backoff = Math.min(backoff * 2, 30000);
    window.setTimeout(connect, delay);
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "history": return onHistory(frame.messages || []);
      case "ack":
        dropPending(frame.id);
        setState(frame.id, "");
        return;
      case "typing":
        typing.hidden = frame.active === false;
        return;
      case "bot":
        typing.hidden = true;
        renderMessage({ direction: "out", author: "bot", text: frame.text || "", ts: frame.ts });
        showQuickReplies(frame.buttons);
        return;
      case "error": return onError(frame);
      default: return;
    }
  }

  function onHistory(messages) {
    clear(log);
    nodesById = {};
    var stored = {};
    var lastButtons = [];
    messages.forEach(function (m) {
      if (!m || typeof m.text !== "string") { return; }
      if (m.message_id) { stored[m.message_id] = true; }
      renderMessage(m);
      lastButtons = m.direction === "out" ? (m.buttons || []) : [];
    });
    showQuickReplies(lastButtons);
    // Stored but the acknowledgement was lost: nothing to resend.
    pending = pending.filter(function (p) { return !stored[p.id]; });
    savePending();
    pending.forEach(function (p) {
      renderMessage({ direction: "in", author: "person", text: p.text, label: p.label,
        ts: p.ts, message_id: p.id, state: "Sending…" });
      transmit(p);
    });
  }

  function onError(frame) {
    var p = frame.id ? findPending(frame.id) : null;
    if (p && frame.code === "rate_limited") {
      setState(p.id, "Waiting to send…");
      window.setTimeout(function () { transmit(p); }, Math.ceil((frame.retry_after || 5) * 1000));
    } else if (p && frame.code === "unavailable") {
      setState(p.id, "Waiting to send…");
      window.setTimeout(function () { transmit(p); }, 5000);
    } else if (p) {
      dropPending(p.id);
      setState(p.id, "Not sent");
    }
    if (typeof frame.error === "string") { note(frame.error); }
  }

  function sendMessage(text, labelText) {
    var p = { id: randomId("m-"), text: text, label: labelText || null, ts: new Date().toISOString() };
    pending.push(p);
    savePending();
    showQuickReplies([]);
    renderMessage({ direction: "in", author: "person", text: p.text, label: p.label, ts: p.ts,
      message_id: p.id, state: "Sending…" });
    if (isOpen()) { transmit(p); } else { connect(); }
  }

  // ---------- open, close, keyboard ----------
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    save(window.sessionStorage, KEY_OPEN, "1");
    connect();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    save(window.sessionStorage, KEY_OPEN, "");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    sendMessage(text, null);
    input.focus();
  });

  if (load(window.sessionStorage, KEY_OPEN) === "1" || pending.length) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    connect();
  }
})();

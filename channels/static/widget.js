/*
 * bluelamp web chat widget. Embed with one tag:
 *   <script src="/widget.js" defer></script>
 * Optional on the script tag: data-force-name="Northshire Police", data-max-chars="2000"
 * (keep it equal to the gateway's Settings.max_message_chars).
 *
 * Staff can take a conversation over from the bot: their messages are labelled as from the
 * contact centre team (in words and with a badge, not by colour alone), a banner says while
 * they are in the chat, and their typing has its own indicator.
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
  var MAX_CHARS = Number((script && script.getAttribute("data-max-chars")) || 2000);
  if (!(MAX_CHARS >= 1)) { MAX_CHARS = 2000; }
  var COUNT_FROM = Math.floor(MAX_CHARS * 0.9);
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
  // Characters as the gateway counts them (code points: an emoji is one, not two).
  function charCount(text) { return Array.from(text).length; }
  function formatNumber(n) { return Number(n).toLocaleString("en-GB"); }
  function characters(n) { return formatNumber(n) + (n === 1 ? " character" : " characters"); }
  // One place for the limit's wording, so the counter and the error agree.
  function lengthProblem(length) {
    if (length <= MAX_CHARS) { return null; }
    return "Your message is too long: " + characters(length) + ". The limit is " +
      formatNumber(MAX_CHARS) + ". Please shorten it or send it in parts.";
  }
  function countLabel(length) {
    if (length > MAX_CHARS) { return characters(length - MAX_CHARS) + " too many"; }
    if (length >= COUNT_FROM) { return characters(MAX_CHARS - length) + " left"; }
    return "";
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
  emergency.appendChild(el("span", "bl-emergency-more", " (do not wait for a reply here)"));

  // Announced at once, interrupting: only for the 999 guidance (the log itself is polite).
  var alertRegion = el("p", "bl-visually-hidden bl-alert");
  alertRegion.setAttribute("role", "alert");

  var status = el("p", "bl-status");
  status.setAttribute("role", "status");

  // The messages, typing indicator and quick replies scroll together, so on a small screen
  // the buttons never squeeze the conversation out of sight. Focusable: keyboard scrolling.
  var scroller = el("div", "bl-scroll");
  scroller.tabIndex = 0;
  scroller.setAttribute("role", "region");
  scroller.setAttribute("aria-label", "Conversation");
  var log = el("div", "bl-log");
  log.id = "bl-log";
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Messages");

  var typing = el("p", "bl-typing", forceName + " assistant is typing…");
  typing.hidden = true;
  var staffTyping = el("p", "bl-typing bl-typing--staff", "A member of staff is typing…");
  staffTyping.hidden = true;
  var STAFF_NAME = forceName + " contact centre team";

  // While staff have the conversation: a plain banner (the log announces the join itself).
  var staffBanner = el("p", "bl-staff", "You are chatting with a member of our contact centre team.");
  staffBanner.hidden = true;

  var quick = el("div", "bl-quick");
  quick.setAttribute("role", "group");
  quick.setAttribute("aria-label", "Suggested replies");

  var form = el("form", "bl-form");
  var label = el("label", "bl-label", "Your message");
  label.htmlFor = "bl-input";
  var input = el("textarea", "bl-input");
  input.id = "bl-input";
  input.rows = 2;
  // No maxLength: the browser would cut a long paste silently; the person gets a clear error.
  input.setAttribute("aria-describedby", "bl-error bl-count bl-hint");
  var send = el("button", "bl-send", "Send");
  send.type = "submit";
  var error = el("p", "bl-error");
  error.id = "bl-error";
  error.setAttribute("role", "alert");
  var count = el("p", "bl-count");
  count.id = "bl-count";
  var hint = el("p", "bl-hint", "Press Enter to send, Shift and Enter for a new line. Up to " +
    characters(MAX_CHARS) + ".");
  hint.id = "bl-hint";
  form.appendChild(label);
  form.appendChild(error);
  form.appendChild(input);
  form.appendChild(send);
  form.appendChild(count);
  form.appendChild(hint);

  panel.appendChild(header);
  panel.appendChild(emergency);
  panel.appendChild(status);
  panel.appendChild(staffBanner);
  scroller.appendChild(log);
  scroller.appendChild(typing);
  scroller.appendChild(staffTyping);
  scroller.appendChild(quick);
  panel.appendChild(scroller);
  panel.appendChild(form);
  panel.appendChild(alertRegion);
  root.appendChild(panel);
  root.appendChild(launcher);
  document.body.appendChild(root);

  // ---------- transcript ----------
  var nodesById = {};

  function renderMessage(m) {
    // m: {direction: "in"|"out", author, text, label?, ts, message_id?, state?}
    var mine = m.direction === "in";
    var urgent = !mine && m.emergency === true;
    var staff = !mine && m.author === "operator";
    var item = el("div", "bl-msg " + (mine ? "bl-msg--in" : "bl-msg--out") +
      (m.author === "system" ? " bl-msg--system" : "") + (staff ? " bl-msg--operator" : "") +
      (urgent ? " bl-msg--emergency" : ""));
    var who = mine ? "You" : (staff ? STAFF_NAME : forceName);
    item.appendChild(el("span", "bl-visually-hidden", who + " said: "));
    var flagged = urgent && !lastIsEmergency();
    if (flagged) { item.appendChild(el("p", "bl-msg-flag", "Emergency: call 999 now")); }
    if (staff) { item.appendChild(el("p", "bl-msg-badge", "Contact centre team")); }
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
    if (flagged && m.live) { pinned = item; }
    latest = item;
    follow();
    return item;
  }

  // Follow the conversation to the bottom, but never past the start of the newest message
  // (a long answer is read from its beginning), nor past the 999 guidance once shown: the
  // bot's answers that follow must not push it out of sight. The person's next message
  // releases it.
  var pinned = null;
  var latest = null;
  function follow() {
    var box = compact() ? panel : scroller;
    var anchor = pinned || latest;
    var target = box.scrollHeight;
    if (anchor && anchor.parentNode) {
      var above = compact() ? emergency.offsetHeight + 8 : 8;
      var top = anchor.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
      target = Math.min(target, top - above);
    }
    box.scrollTop = target;
  }

  function lastIsEmergency() {
    var last = log.lastElementChild;
    return !!(last && last.classList.contains("bl-msg--emergency"));
  }

  // Short screens (400% zoom, a phone on its side): the whole panel scrolls (widget.css).
  function compact() {
    return !!(window.matchMedia && window.matchMedia("(max-height: 500px)").matches);
  }

  function announceEmergency(text) {
    emergency.classList.add("bl-emergency--active");
    alertRegion.textContent = "";
    // Emptied first, then set, so a second emergency is announced again.
    window.setTimeout(function () { alertRegion.textContent = "Emergency: " + text; }, 50);
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
        input.focus(); // the button is gone now; keep keyboard users in the conversation
      });
      quick.appendChild(btn);
    });
    follow();
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
      staffTyping.hidden = true;
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
      case "history": return onHistory(frame.messages || [], frame.mode);
      case "ack":
        dropPending(frame.id);
        setState(frame.id, "");
        return;
      case "typing":
        if (frame.author === "operator") {
          staffTyping.hidden = frame.active !== true;
        } else {
          typing.hidden = frame.active === false;
        }
        follow();
        return;
      case "mode": return setStaffMode(frame.mode === "human");
      case "closed": return setStaffMode(false);
      case "bot":
        if (frame.emergency === true) {
          // The first of the guidance messages interrupts a screen reader; the rest follow
          // in the log. Not the bot's answer: typing and quick replies stay as they are.
          if (!lastIsEmergency()) { announceEmergency(frame.text || ""); }
          renderMessage({ direction: "out", author: "system", text: frame.text || "", ts: frame.ts,
            emergency: true, live: true });
          return;
        }
        var author = frame.author === "operator" || frame.author === "system" ? frame.author : "bot";
        if (author === "operator") { staffTyping.hidden = true; } else { typing.hidden = true; }
        renderMessage({ direction: "out", author: author, text: frame.text || "", ts: frame.ts });
        showQuickReplies(frame.buttons);
        return;
      case "error": return onError(frame);
      default: return;
    }
  }

  function setStaffMode(withStaff) {
    staffBanner.hidden = !withStaff;
    if (!withStaff) { staffTyping.hidden = true; }
  }

  function onHistory(messages, mode) {
    // Rebuilt in one go: screen readers should not read the whole transcript out again.
    log.setAttribute("aria-busy", "true");
    clear(log);
    nodesById = {};
    pinned = null;
    latest = null;
    var stored = {};
    var lastButtons = [];
    messages.forEach(function (m) {
      if (!m || typeof m.text !== "string") { return; }
      if (m.message_id) { stored[m.message_id] = true; }
      renderMessage(m);
      if (m.emergency === true) {
        emergency.classList.add("bl-emergency--active");
      } else {
        lastButtons = m.direction === "out" ? (m.buttons || []) : [];
      }
    });
    log.setAttribute("aria-busy", "false");
    showQuickReplies(lastButtons);
    if (mode === "human" || mode === "bot") { setStaffMode(mode === "human"); }
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
    pinned = null;
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
    root.classList.add("bl-widget--open");
    launcher.setAttribute("aria-expanded", "true");
    save(window.sessionStorage, KEY_OPEN, "1");
    connect();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("bl-widget--open");
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
  function showLength() {
    var length = charCount(input.value);
    count.textContent = countLabel(length);
    count.classList.toggle("bl-count--over", length > MAX_CHARS);
    if (length <= MAX_CHARS && input.getAttribute("aria-invalid") === "true") {
      error.textContent = "";
      input.removeAttribute("aria-invalid");
    }
  }
  input.addEventListener("input", showLength);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    var problem = lengthProblem(charCount(text));
    if (problem) {
      // Kept in the box, so nothing they typed is lost while they shorten it.
      error.textContent = problem;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.value = "";
    showLength();
    sendMessage(text, null);
    input.focus();
  });

  if (load(window.sessionStorage, KEY_OPEN) === "1" || pending.length) {
    panel.hidden = false;
    root.classList.add("bl-widget--open");
    launcher.setAttribute("aria-expanded", "true");
    connect();
  }
})();

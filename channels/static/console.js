/*
 * bluelamp operator console (docs/console-api.md). Plain JS, no build step.
 *
 * Rules kept here, as in widget.js: every piece of text goes into the page with textContent
 * (never innerHTML: the gateway's Trusted Types policy refuses it anyway); links are built
 * with createElement and only for http(s) URLs; no inline styles or scripts (CSP).
 * Every unsafe request carries X-CSRF-Token; a 401 anywhere returns to the sign-in form.
 */
(function () {
  "use strict";

  var API = "/console/api";
  var TARGETS = { P1: 0, P2: 180 };
  var DEFAULT_TARGET = 600;
  var TYPING_EVERY_MS = 3000;
  var TYPING_IDLE_MS = 4000;
  var PING_EVERY_MS = 20000;
  var SUPERVISOR_REFRESH_MS = 5000;
  var DRAFTS_REFRESH_MS = 30000;
  var CLOSE_SESSION_ENDED = 4401; // the console socket's close code for an ended session
  var AUTHORS = { person: "Person", bot: "Bot", system: "System", operator: "Operator" };
  var CHANNELS = { webchat: "Web chat", x: "X", x_dm: "X direct message", x_post: "X post", rest: "REST" };

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function safeLink(href, text) {
    var url;
    try { url = new URL(String(href)); } catch (e) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") { return null; }
    var a = el("a", "c-link", text || url.href);
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }
  function timeLabel(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) { return ""; }
    return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  function dateTimeLabel(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d.getTime())) { return ""; }
    return d.toLocaleString("en-GB", { dateStyle: "short", timeStyle: "medium" });
  }
  function channelLabel(channel) { return CHANNELS[channel] || String(channel || ""); }
  function humanise(key) {
    var text = String(key).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  function setText(id, text) { $(id).textContent = text || ""; }

  // ---------- state ----------
  var state = {
    user: null,
    csrf: null,
    waiting: [],
    mine: [],
    claimed: [],
    draftNumber: 0,
    figures: null,
    clockOffset: 0, // server time minus ours, so timers agree with the server
    open: null, // {cid, item, mode, held, closed}
    rendered: {}, // transcript entries shown, by key, so live events are not shown twice
    canned: [],
    outcomes: [],
    crimeTypes: [],
    operators: [],
    alerted: {},
    knownWaiting: null,
    drafts: [], // unsent report drafts: labels only
    draftOpen: null, // the one shown with its answers
    view: "operator"
  };

  // ---------- HTTP ----------
  function ApiError(status, message, retryAfter) {
    this.status = status;
    this.message = message;
    this.retryAfter = retryAfter;
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET" && state.csrf) { headers["X-CSRF-Token"] = state.csrf; }
    return fetch(API + path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) { return null; }
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.ok) { return data; }
        var message = data && typeof data.error === "string" ? data.error : defaultError(response.status);
        var error = new ApiError(response.status, message, response.headers.get("Retry-After"));
        if (response.status === 401 && path !== "/login" && state.user) { sessionEnded(); }
        throw error;
      });
    }, function () {
      throw new ApiError(0, "The console cannot reach the server. Check your connection and try again.");
    });
  }

  function defaultError(status) {
    if (status === 401) { return "Please sign in."; }
    if (status === 403) { return "You are not allowed to do that."; }
    if (status === 404) { return "That could not be found."; }
    if (status === 409) { return "That cannot be done now: someone else may have it, or it has changed."; }
    if (status === 429) { return "Too many attempts. Please wait a moment and try again."; }
    if (status === 503) { return "A service is unavailable. Nothing was done; please try again shortly."; }
    return "Something went wrong (" + status + "). Please try again.";
  }

  function problem(error) {
    if (!(error instanceof ApiError)) { return "Something went wrong. Please try again."; }
    if (error.status === 429 && error.retryAfter) {
      return error.message + " (try again in " + error.retryAfter + " seconds)";
    }
    return error.message;
  }

  // Runs an action; its error (unless the session ended) is shown in `errorId`.
  function attempt(errorId, promise) {
    setText(errorId, "");
    return promise.catch(function (error) {
      if (error instanceof ApiError && error.status === 401) { return null; }
      setText(errorId, problem(error));
      return null;
    });
  }

  // ---------- sign in and out ----------
  function showSignIn(notice) {
    $("c-app").hidden = true;
    $("c-user").hidden = true;
    $("c-signin").hidden = false;
    setText("c-signin-notice", notice || "");
    $("c-password").value = "";
    $("c-username").focus();
  }

  function sessionEnded() {
    stopConsole();
    showSignIn("Your session has ended. Please sign in again.");
  }

  $("c-signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var username = $("c-username").value.trim();
    var password = $("c-password").value;
    var error = $("c-signin-error");
    error.textContent = "";
    $("c-username").removeAttribute("aria-invalid");
    $("c-password").removeAttribute("aria-invalid");
    if (!username || !password) {
      error.textContent = !username ? "Enter your user name." : "Enter your password.";
      var missing = !username ? $("c-username") : $("c-password");
      missing.setAttribute("aria-invalid", "true");
      missing.focus();
      return;
    }
    var submit = $("c-signin-submit");
    submit.disabled = true;
    api("POST", "/login", { username: username, password: password }).then(function (data) {
      submit.disabled = false;
      $("c-password").value = "";
      setText("c-signin-notice", "");
      startConsole(data.user, data.csrf);
    }, function (err) {
      submit.disabled = false;
      error.textContent = problem(err);
      $("c-password").value = "";
      $("c-password").focus();
    });
  });

  $("c-signout").addEventListener("click", function () {
    api("POST", "/logout").catch(function () { return null; }).then(function () {
      if (!state.user) { return; } // already ended
      stopConsole();
      showSignIn("You have signed out.");
    });
  });

  function startConsole(user, csrf) {
    state.user = user;
    state.csrf = csrf;
    state.knownWaiting = null;
    $("c-signin").hidden = true;
    $("c-app").hidden = false;
    $("c-user").hidden = false;
    setText("c-user-name", user.display_name + " (" + user.username + ")");
    setText("c-user-role", user.role === "supervisor" ? "Supervisor" : "Operator");
    $("c-views").hidden = user.role !== "supervisor";
    showView("operator");
    closeConversation();
    loadLists();
    lastActivity = Date.now();
    api("GET", "/me").then(function (me) {
      if (me && typeof me.idle_seconds === "number" && me.idle_seconds > 0) { idleSeconds = me.idle_seconds; }
    }, function () { return null; });
    api("GET", "/queue").then(onQueue, function () { return null; });
    connect();
    startTicking();
    startDraftsRefresh();
    $("main").focus();
  }

  function stopConsole() {
    state.user = null;
    state.csrf = null;
    state.open = null;
    state.waiting = [];
    state.mine = [];
    state.claimed = [];
    disconnect();
    stopTicking();
    stopSupervisorRefresh();
    stopDraftsRefresh();
    state.drafts = [];
    hideDraft();
    clear($("c-drafts"));
    clear($("c-alerts"));
    clear($("c-queue"));
    clear($("c-mine"));
    closeConversation();
  }

  function loadLists() {
    api("GET", "/canned").then(function (list) {
      state.canned = Array.isArray(list) ? list : [];
      fillSelect($("c-canned"), state.canned.map(function (c) { return { value: c.id, label: c.title }; }),
        "Choose a response");
    }, function () { return null; });
    api("GET", "/outcomes").then(function (list) {
      state.outcomes = Array.isArray(list) ? list : [];
      fillSelect($("c-outcome"), state.outcomes.map(function (o) { return { value: o.id, label: o.label }; }),
        "Choose an outcome");
    }, function () { return null; });
    api("GET", "/crime-types").then(function (list) {
      state.crimeTypes = Array.isArray(list) ? list : [];
      fillSelect($("c-case-crime"), state.crimeTypes.map(function (c) { return { value: c.id, label: c.label }; }),
        "Choose a crime type");
    }, function () { return null; });
  }

  function fillSelect(select, options, placeholder) {
    var keep = select.value;
    clear(select);
    if (placeholder) {
      var first = el("option", null, placeholder);
      first.value = "";
      select.appendChild(first);
    }
    options.forEach(function (o) {
      var option = el("option", null, o.label);
      option.value = o.value;
      select.appendChild(option);
    });
    select.value = keep;
    if (select.value !== keep) { select.value = ""; }
  }

  // ---------- views (supervisor) ----------
  function showView(view) {
    state.view = view;
    var supervisor = view === "supervisor";
    $("c-operator-view").hidden = supervisor;
    $("c-supervisor").hidden = !supervisor;
    $("c-view-operator").setAttribute("aria-pressed", String(!supervisor));
    $("c-view-supervisor").setAttribute("aria-pressed", String(supervisor));
    if (supervisor) { refreshSupervisor(); startSupervisorRefresh(); } else { stopSupervisorRefresh(); }
  }
  $("c-view-operator").addEventListener("click", function () { showView("operator"); });
  $("c-view-supervisor").addEventListener("click", function () { showView("supervisor"); });

  // ---------- the live socket ----------
  var ws = null;
  var backoff = 1000;
  var lastActivity = Date.now();
  var idleSeconds = 900; // BLUELAMP_CONSOLE_IDLE_SECONDS, as `me` reports it
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, { capture: true });
  });
  var reconnectTimer = null;
  var pingTimer = null;
  var wanted = false;

  function wsUrl() {
    var u = new URL("/console/ws", window.location.href);
    u.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    u.search = "";
    u.hash = "";
    return u.href;
  }

  function connect() {
    wanted = true;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) { return; }
    setText("c-connection", "Connecting…");
    var socket;
    try { socket = new WebSocket(wsUrl()); } catch (e) { scheduleReconnect(); return; }
    ws = socket;
    socket.addEventListener("open", function () {
      if (ws !== socket) { return; }
      backoff = 1000;
      setText("c-connection", "");
      $("c-connection").classList.remove("c-connection--lost");
      if (state.open && (state.open.held || state.open.reason)) { sendFrame(watchFrame()); }
      window.clearInterval(pingTimer);
      pingTimer = window.setInterval(function () {
        // Only for someone at the console: an unattended one lets its session time out.
        if (Date.now() - lastActivity < idleSeconds * 1000) { sendFrame({ type: "ping" }); }
      }, PING_EVERY_MS);
    });
    socket.addEventListener("message", function (event) {
      if (ws !== socket) { return; }
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") { onFrame(frame); }
    });
    socket.addEventListener("close", function (event) {
      if (ws !== socket) { return; }
      ws = null;
      window.clearInterval(pingTimer);
      if (!wanted) { return; }
      if (event.code === CLOSE_SESSION_ENDED) { sessionEnded(); return; }
      setText("c-connection", "Connection lost. Reconnecting…");
      $("c-connection").classList.add("c-connection--lost");
      // A refused upgrade looks like any other close: ask whether the session is still alive
      // (a 401 signs out); otherwise try again, waiting longer each time.
      api("GET", "/me").then(function (me) {
        if (me && me.csrf) { state.csrf = me.csrf; }
        scheduleReconnect();
      }, function (error) {
        if (!(error instanceof ApiError && error.status === 401)) { scheduleReconnect(); }
      });
    });
  }

  function scheduleReconnect() {
    if (!wanted) { return; }
    var delay = backoff + Math.floor(Math.random() * 500);
    backoff = Math.min(backoff * 2, 30000);
    window.clearTimeout(reconnectTimer);
    reconnectTimer = window.setTimeout(connect, delay);
  }

  function disconnect() {
    wanted = false;
    window.clearTimeout(reconnectTimer);
    window.clearInterval(pingTimer);
    if (ws) { var old = ws; ws = null; try { old.close(); } catch (e) { /* closed */ } }
    setText("c-connection", "");
  }

  // A passing message from the live connection, cleared after a while unless replaced.
  function flash(text) {
    setText("c-connection", text);
    window.setTimeout(function () {
      if ($("c-connection").textContent === text) { setText("c-connection", ""); }
    }, 10000);
  }

  function sendFrame(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); }
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "queue": return onQueue(frame);
      case "alert": return onAlert(frame.alert || {});
      case "event": return onEvent(frame);
      case "error":
        if (typeof frame.error === "string") { flash(frame.error); }
        return;
      default: return;
    }
  }

  // ---------- the queue ----------
  function onQueue(data) {
    if (!data || !state.user) { return; }
    if (data.now) {
      var server = Date.parse(data.now);
      if (!isNaN(server)) { state.clockOffset = server - Date.now(); }
    }
    state.waiting = Array.isArray(data.waiting) ? data.waiting : [];
    state.mine = Array.isArray(data.mine) ? data.mine : [];
    if (Array.isArray(data.claimed)) { state.claimed = data.claimed; } // supervisors only
    if (data.figures) { state.figures = data.figures; renderFigures(); }
    // A P1 that was not waiting before is an alert even if its alert frame was missed.
    var seen = {};
    state.waiting.forEach(function (item) {
      seen[item.id] = true;
      if (state.knownWaiting && !state.knownWaiting[item.id] && item.priority === "P1") {
        onAlert({ conversation_id: item.conversation_id, channel: item.channel, priority: "P1",
          summary: item.summary, flags: item.flags, link: item.link, author: item.author,
          at: item.enqueued_at });
      }
    });
    // New arrivals are announced politely (P1s also interrupt, as alerts).
    if (state.knownWaiting) {
      var arrived = state.waiting.filter(function (i) { return !state.knownWaiting[i.id]; });
      if (arrived.length === 1) {
        setText("c-queue-news", "New in the queue: " + arrived[0].priority + " " +
          humanise(arrived[0].reason) + ", " + channelLabel(arrived[0].channel) + ".");
      } else if (arrived.length > 1) {
        setText("c-queue-news", arrived.length + " new items in the queue.");
      }
    }
    state.knownWaiting = seen;
    renderQueue();
    renderMine();
    syncOpenItem();
    if (state.view === "supervisor") { renderReassignItems(); }
  }

  function nowServer() { return Date.now() + state.clockOffset; }

  function targetOf(item) {
    if (typeof item.target_seconds === "number") { return item.target_seconds; }
    return item.priority in TARGETS ? TARGETS[item.priority] : DEFAULT_TARGET;
  }

  function waitedOf(item) {
    var since = Date.parse(item.enqueued_at);
    if (isNaN(since)) { return item.waited_seconds || 0; }
    return Math.max(0, (nowServer() - since) / 1000);
  }

  function renderTimer(node, item) {
    var target = targetOf(item);
    var answered = item.claimed_at ? Date.parse(item.claimed_at) : NaN;
    var waited = isNaN(answered) ? waitedOf(item)
      : Math.max(0, (answered - Date.parse(item.enqueued_at)) / 1000);
    var breached = waited > target || (isNaN(answered) && item.breached === true);
    var text;
    if (!isNaN(answered)) {
      // Claimed: the wait is over; say how long it was against the target.
      text = "Answered after " + duration(waited) +
        (target === 0 ? " (target: immediately)" : " (target " + duration(target) + ")");
      breached = breached && target > 0;
    } else if (breached) {
      text = "Target missed: waited " + duration(waited) +
        (target === 0 ? " (answer immediately)" : " (target " + duration(target) + ")");
    } else {
      text = "Waited " + duration(waited) + " of " + duration(target);
    }
    if (node.textContent !== text) { node.textContent = text; }
    node.classList.toggle("c-timer--breached", breached);
  }

  function priorityBadge(priority) {
    var badge = el("span", "c-priority c-priority--" + String(priority || "").toLowerCase());
    badge.appendChild(el("span", "c-visually-hidden", "Priority "));
    badge.appendChild(document.createTextNode(priority));
    return badge;
  }

  function flagList(flags) {
    var list = el("ul", "c-flags");
    (flags || []).forEach(function (f) {
      var li = el("li", "c-flag");
      li.appendChild(el("strong", null, humanise(f.flag)));
      if (f.evidence) {
        li.appendChild(document.createTextNode(": "));
        li.appendChild(el("q", "c-evidence", f.evidence));
      }
      list.appendChild(li);
    });
    return list;
  }

  function itemSummary(item, headingTag) {
    var box = el("div", "c-item-body");
    var head = el(headingTag || "p", "c-item-head");
    head.appendChild(priorityBadge(item.priority));
    head.appendChild(el("span", "c-item-reason", humanise(item.reason || "")));
    head.appendChild(el("span", "c-item-channel", channelLabel(item.channel)));
    box.appendChild(head);
    if (item.flags && item.flags.length) {
      box.appendChild(el("p", "c-visually-hidden", "Risk flags:"));
      box.appendChild(flagList(item.flags));
    }
    if (item.summary) { box.appendChild(el("p", "c-item-summary", item.summary)); }
    if (item.author || item.link) {
      var src = el("p", "c-item-source");
      if (item.author) { src.appendChild(el("span", null, "By " + item.author + " ")); }
      var link = item.link ? safeLink(item.link, "View the post") : null;
      if (link) { src.appendChild(link); }
      box.appendChild(src);
    }
    if (item.claimed_by && state.user && item.claimed_by !== state.user.username) {
      box.appendChild(el("p", "c-item-holder", "With " + item.claimed_by));
    }
    var timer = el("p", "c-timer");
    timer.setAttribute("data-item", item.id);
    renderTimer(timer, item);
    box.appendChild(timer);
    return box;
  }

  function renderQueue() {
    var list = $("c-queue");
    var focusedId = document.activeElement && document.activeElement.getAttribute("data-item-id");
    clear(list);
    state.waiting.forEach(function (item) {
      var li = el("li", "c-item c-item--" + String(item.priority).toLowerCase());
      li.setAttribute("data-conversation", item.conversation_id);
      li.appendChild(itemSummary(item, "h3"));
      var actions = el("div", "c-item-actions");
      var claim = el("button", "c-btn c-btn--primary c-claim-item", "Claim");
      claim.type = "button";
      claim.setAttribute("data-item-id", item.id);
      claim.setAttribute("aria-label", "Claim " + item.priority + " " + humanise(item.reason) + " on " +
        channelLabel(item.channel));
      claim.addEventListener("click", function () { claimItem(item); });
      actions.appendChild(claim);
      li.appendChild(actions);
      list.appendChild(li);
      if (focusedId === item.id) { claim.focus(); }
    });
    $("c-queue-empty").hidden = state.waiting.length > 0;
    var count = state.waiting.length ? "(" + state.waiting.length + ")" : "";
    if ($("c-queue-count").textContent !== count) { setText("c-queue-count", count); }
  }

  function renderMine() {
    var list = $("c-mine");
    clear(list);
    state.mine.forEach(function (item) {
      var li = el("li", "c-item c-item--mine");
      if (state.open && state.open.cid === item.conversation_id) { li.classList.add("c-item--open"); }
      li.appendChild(itemSummary(item, "h3"));
      var id = String(item.conversation_id || "");
      li.appendChild(el("p", "c-item-id", "Conversation " + (id.length > 16 ? id.slice(0, 16) + "…" : id)));
      var mode = el("p", "c-item-mode", item.mode === "human" ? "You are talking to the person" : "The bot is answering");
      li.appendChild(mode);
      var openBtn = el("button", "c-btn c-open-item", "Open");
      openBtn.type = "button";
      openBtn.setAttribute("aria-label", "Open conversation: " + item.priority + " " + humanise(item.reason));
      openBtn.addEventListener("click", function () { openConversation(item.conversation_id, item); });
      li.appendChild(openBtn);
      list.appendChild(li);
    });
    $("c-mine-empty").hidden = state.mine.length > 0;
  }

  function claimItem(item) {
    return attempt("c-conv-error", api("POST", "/items/" + encodeURIComponent(item.id) + "/claim").then(function (data) {
      var claimed = (data && data.item) || item;
      removeFrom(state.waiting, claimed.id);
      if (!findItem(state.mine, claimed.id)) { state.mine.push(claimed); }
      renderQueue();
      renderMine();
      return openConversation(claimed.conversation_id, claimed);
    })).then(function (result) {
      // Claimed by someone else meanwhile: the queue frame will drop it; say so where looked.
      if ($("c-conv-error").textContent && !(state.open && state.open.held)) {
        $("c-conv-body").hidden = false;
        $("c-conv-empty").hidden = true;
      }
      return result;
    });
  }

  function findItem(list, id) {
    for (var i = 0; i < list.length; i++) { if (list[i].id === id) { return list[i]; } }
    return null;
  }
  function removeFrom(list, id) {
    for (var i = list.length - 1; i >= 0; i--) { if (list[i].id === id) { list.splice(i, 1); } }
  }

  // Keep the open conversation's item up to date (e.g. reassigned away by a supervisor).
  function syncOpenItem() {
    if (!state.open || !state.open.held) { return; }
    var current = null;
    state.mine.forEach(function (item) { if (item.conversation_id === state.open.cid) { current = item; } });
    if (current) {
      state.open.item = current;
    } else if (!state.open.closed && state.open.item && state.open.item.claimed_by === state.user.username) {
      state.open.held = false;
      state.open.item = null;
      setText("c-conv-status", "This conversation is no longer yours (handed back, closed or reassigned).");
      updateActions();
    }
  }

  // ---------- the open conversation ----------
  function closeConversation() {
    if (state.open && (state.open.held || state.open.reason)) {
      sendFrame({ type: "unwatch", conversation_id: state.open.cid });
    }
    state.open = null;
    state.rendered = {};
    $("c-conv-body").hidden = true;
    $("c-conv-empty").hidden = false;
    $("c-side-body").hidden = true;
    $("c-side-empty").hidden = false;
    clear($("c-transcript"));
    setText("c-conv-title", "Conversation");
    setText("c-conv-status", "");
    setText("c-conv-error", "");
    setText("c-case-result", "");
    stopTyping();
  }

  // `reason`: a supervisor looking at a conversation they do not hold (read only, recorded
  // in the audit log with the reason).
  function openConversation(cid, item, reason) {
    if (state.open && state.open.cid !== cid && (state.open.held || state.open.reason)) {
      sendFrame({ type: "unwatch", conversation_id: state.open.cid });
    }
    stopTyping();
    state.open = { cid: cid, item: item || null, mode: (item && item.mode) || "bot", held: !reason,
      closed: false, reason: reason || null };
    state.rendered = {};
    clear($("c-transcript"));
    $("c-conv-empty").hidden = true;
    $("c-conv-body").hidden = false;
    $("c-conv-content").hidden = true;
    $("c-person-typing").hidden = true;
    setText("c-conv-status", "Loading the conversation…");
    setText("c-conv-error", "");
    setText("c-reply-error", "");
    setText("c-case-result", "");
    setText("c-case-error", "");
    setText("c-attach-error", "");
    $("c-case-form").reset(); // nothing of the previous conversation's case stays
    renderDraftDetails({});
    draftEdited = false;
    renderDetails();
    updateActions();
    renderMine();
    var path = "/conversations/" + encodeURIComponent(cid) +
      (reason ? "?reason=" + encodeURIComponent(reason) : "");
    return api("GET", path).then(function (data) {
      if (!state.open || state.open.cid !== cid) { return; }
      state.open.mode = data.mode || "bot";
      if (data.item) { state.open.item = data.item; }
      state.open.channel = data.channel;
      setText("c-conv-status", "");
      renderDetails();
      $("c-conv-content").hidden = false; // shown first: a hidden log cannot be scrolled
      renderTranscript(data.transcript || []);
      renderCollected(data.collected || {});
      updateActions();
      sendFrame(watchFrame());
      if (!reason) { loadDraft(cid, true); }
    }, function (error) {
      if (error.status === 401) { return; }
      setText("c-conv-status", "");
      setText("c-conv-error", problem(error));
      if (error.status === 403 || error.status === 404 || error.status === 409) {
        state.open.held = false;
        updateActions();
      }
    });
  }

  function watchFrame() {
    var frame = { type: "watch", conversation_id: state.open.cid };
    if (state.open.reason) { frame.reason = state.open.reason; }
    return frame;
  }

  function renderDetails() {
    var box = $("c-conv-details");
    clear(box);
    var item = state.open && state.open.item;
    setText("c-conv-title", item
      ? "Conversation: " + item.priority + " " + humanise(item.reason) + " (" + channelLabel(item.channel) + ")"
      : "Conversation");
    if (item) { box.appendChild(itemSummary(item, "p")); }
  }

  function updateActions() {
    var open = state.open;
    var held = !!(open && open.held && !open.closed);
    var human = held && open.mode === "human";
    $("c-claim").hidden = !(open && !held && open.item && !open.item.claimed_by && !open.closed);
    $("c-takeover").hidden = !held || human;
    $("c-handback").hidden = !human;
    $("c-release").hidden = !held || human;
    $("c-close-form").hidden = !held;
    $("c-reply-form").hidden = !human;
    var looking = !!(open && open.reason);
    $("c-side-body").hidden = !(held || looking);
    $("c-side-empty").hidden = held || looking;
    $("c-case-section").hidden = !held;
    var mode = "";
    if (open && open.closed) {
      mode = "This conversation has ended.";
    } else if (looking) {
      mode = "You are looking at this conversation as a supervisor; your reason is recorded.";
    } else if (human) {
      mode = "You are talking to the person. The bot is paused.";
    } else if (held) {
      mode = "The bot is answering. Take over to talk to the person yourself.";
    }
    setText("c-conv-mode", mode);
  }

  function entryKey(entry) {
    return entry.message_id ? "id:" + entry.message_id : entry.author + "|" + entry.ts + "|" + entry.text;
  }

  function renderTranscript(entries) {
    var log = $("c-transcript-box");
    log.setAttribute("aria-busy", "true");
    clear($("c-transcript"));
    state.rendered = {};
    entries.forEach(function (entry) { appendEntry(entry); });
    log.setAttribute("aria-busy", "false");
    log.scrollTop = log.scrollHeight; // the latest messages are what the operator needs first
  }

  function appendEntry(entry) {
    if (!entry || typeof entry.text !== "string") { return; }
    var key = entryKey(entry);
    if (state.rendered[key]) { return; }
    state.rendered[key] = true;
    var author = AUTHORS[entry.author] ? entry.author : "system";
    var li = el("li", "c-entry c-entry--" + author + (entry.emergency ? " c-entry--emergency" : ""));
    var who = el("p", "c-entry-who");
    who.appendChild(el("strong", "c-entry-author", AUTHORS[author]));
    if (entry.emergency) { who.appendChild(el("span", "c-entry-tag", " 999 guidance")); }
    var time = el("time", "c-entry-time", timeLabel(entry.ts));
    if (entry.ts) { time.dateTime = entry.ts; }
    who.appendChild(document.createTextNode(" "));
    who.appendChild(time);
    li.appendChild(who);
    li.appendChild(el("p", "c-entry-text", entry.label || entry.text));
    if (entry.label && entry.label !== entry.text) {
      li.appendChild(el("p", "c-entry-note", "(chose a suggested reply)"));
    }
    var box = $("c-transcript-box");
    var stick = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    $("c-transcript").appendChild(li);
    if (stick) { box.scrollTop = box.scrollHeight; }
  }

  function renderCollected(collected) {
    var rows = $("c-collected-rows");
    clear(rows);
    var keys = Object.keys(collected || {}).filter(function (k) {
      return collected[k] !== null && collected[k] !== undefined && collected[k] !== "";
    });
    keys.forEach(function (key) {
      var tr = el("tr");
      var th = el("th", null, humanise(key));
      th.scope = "row";
      tr.appendChild(th);
      var value = collected[key];
      tr.appendChild(el("td", null, typeof value === "string" ? value : JSON.stringify(value)));
      rows.appendChild(tr);
    });
    $("c-collected").hidden = keys.length === 0;
    $("c-collected-empty").hidden = keys.length > 0;
  }

  function onEvent(frame) {
    var open = state.open;
    if (!open || frame.conversation_id !== open.cid) { return; }
    var data = frame.data || {};
    switch (frame.kind) {
      case "message":
        if (data.author === "person") { $("c-person-typing").hidden = true; }
        appendEntry(data);
        return;
      case "typing":
        if (data.author === "person") { $("c-person-typing").hidden = data.active === false; }
        return;
      case "mode":
        if (data.mode === "human" || data.mode === "bot") {
          open.mode = data.mode;
          setMineMode(open.cid, data.mode);
          updateActions();
        }
        return;
      case "closed":
        if (open.closed) { return; } // closed from here: already said
        open.closed = true;
        open.held = false;
        setText("c-conv-status", "Conversation closed" +
          (data.outcome ? ": " + outcomeLabel(data.outcome) + "." : "."));
        updateActions();
        return;
      default: return;
    }
  }

  function outcomeLabel(id) {
    for (var i = 0; i < state.outcomes.length; i++) {
      if (state.outcomes[i].id === id) { return state.outcomes[i].label; }
    }
    return id;
  }

  function conversationPath(suffix) {
    return "/conversations/" + encodeURIComponent(state.open.cid) + suffix;
  }

  function busy(button, promise) {
    button.disabled = true;
    return promise.then(function (v) { button.disabled = false; return v; },
      function (e) { button.disabled = false; throw e; });
  }

  $("c-claim").addEventListener("click", function () {
    if (state.open && state.open.item) { claimItem(state.open.item); }
  });

  $("c-takeover").addEventListener("click", function () {
    var cid = state.open.cid;
    attempt("c-conv-error", busy($("c-takeover"), api("POST", conversationPath("/takeover"))).then(function (data) {
      if (!state.open || state.open.cid !== cid) { return; }
      state.open.mode = (data && data.mode) || "human";
      setMineMode(cid, state.open.mode);
      setText("c-conv-status", "You have taken over. The person has been told a member of staff has joined.");
      updateActions();
      $("c-reply").focus();
    }));
  });

  $("c-handback").addEventListener("click", function () {
    var cid = state.open.cid;
    stopTyping();
    attempt("c-conv-error", busy($("c-handback"), api("POST", conversationPath("/handback"))).then(function () {
      if (!state.open || state.open.cid !== cid) { return; }
      state.open.mode = "bot";
      state.open.held = false;
      setText("c-conv-status", "Handed back to the virtual assistant.");
      dropMine(cid);
      updateActions();
    }));
  });

  $("c-release").addEventListener("click", function () {
    var item = state.open && state.open.item;
    if (!item) { return; }
    attempt("c-conv-error", busy($("c-release"), api("POST", "/items/" + encodeURIComponent(item.id) + "/release")).then(function (data) {
      dropMine(item.conversation_id);
      closeConversation();
      setText("c-queue-news", "The item is back in the queue.");
      if (data && data.item) { state.waiting.push(data.item); renderQueue(); }
    }));
  });

  $("c-close-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var outcome = $("c-outcome").value;
    if (!outcome) {
      setText("c-conv-error", "Choose an outcome before closing the conversation.");
      $("c-outcome").focus();
      return;
    }
    var cid = state.open.cid;
    stopTyping();
    attempt("c-conv-error", busy($("c-close"), api("POST", conversationPath("/close"), { outcome: outcome })).then(function (data) {
      if (data === null && !state.user) { return; }
      if (!state.open || state.open.cid !== cid) { return; }
      state.open.closed = true;
      state.open.held = false;
      setText("c-conv-status", "Conversation closed: " + outcomeLabel(outcome) + ".");
      dropMine(cid);
      updateActions();
    }));
  });

  function setMineMode(cid, mode) {
    state.mine.forEach(function (i) { if (i.conversation_id === cid) { i.mode = mode; } });
    if (state.open && state.open.item && state.open.cid === cid) { state.open.item.mode = mode; }
    renderMine();
  }

  function dropMine(cid) {
    state.mine = state.mine.filter(function (i) { return i.conversation_id !== cid; });
    renderMine();
  }

  // ---------- replying ----------
  var typingSentAt = 0;
  var typingIdle = null;
  var typingActive = false;
  var typingCid = null;

  function sendTyping(active) {
    if (!state.open || !state.open.held) { return; }
    typingCid = state.open.cid;
    api("POST", conversationPath("/typing"), { active: active }).catch(function () { return null; });
  }

  function stopTyping() {
    window.clearTimeout(typingIdle);
    if (typingActive && typingCid && state.user) {
      api("POST", "/conversations/" + encodeURIComponent(typingCid) + "/typing", { active: false })
        .catch(function () { return null; });
    }
    typingActive = false;
    typingSentAt = 0;
  }

  $("c-reply").addEventListener("input", function () {
    if (!$("c-reply").value.trim()) { stopTyping(); return; }
    var now = Date.now();
    if (!typingActive || now - typingSentAt > TYPING_EVERY_MS) {
      typingActive = true;
      typingSentAt = now;
      sendTyping(true);
    }
    window.clearTimeout(typingIdle);
    typingIdle = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  $("c-reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("c-reply-form").requestSubmit();
    }
  });

  $("c-canned-insert").addEventListener("click", function () {
    var id = $("c-canned").value;
    var chosen = null;
    state.canned.forEach(function (c) { if (String(c.id) === id) { chosen = c; } });
    if (!chosen) { $("c-canned").focus(); return; }
    var box = $("c-reply");
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + " " + chosen.text : chosen.text;
    box.focus();
    box.dispatchEvent(new Event("input"));
  });

  $("c-reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("c-reply");
    var text = box.value;
    if (!text.trim()) { box.focus(); return; }
    var cid = state.open.cid;
    window.clearTimeout(typingIdle);
    typingActive = false;
    setText("c-reply-error", "");
    var send = $("c-send");
    send.disabled = true;
    api("POST", conversationPath("/messages"), { text: text }).then(function (data) {
      send.disabled = false;
      if (box.value === text) { box.value = ""; }
      if (data && data.entry && state.open && state.open.cid === cid) { appendEntry(data.entry); }
      box.focus();
    }, function (error) {
      send.disabled = false;
      if (error.status === 401) { return; }
      setText("c-reply-error", problem(error)); // the text stays in the box
      box.focus();
    });
  });

  // ---------- case ----------
  var draftDetails = {};
  var draftEdited = false;
  ["input", "change"].forEach(function (name) {
    $("c-case-form").addEventListener(name, function () { draftEdited = true; });
  });

  function loadDraft(cid, fresh) {
    if (fresh) { draftEdited = false; }
    api("GET", "/conversations/" + encodeURIComponent(cid) + "/case-draft").then(function (draft) {
      if (!state.open || state.open.cid !== cid || !draft) { return; }
      state.draftNumber = typeof draft.n === "number" ? draft.n : 0;
      if (draftEdited) { return; } // never overwrite what the operator has started to edit
      if (draft.crime_type) {
        var known = state.crimeTypes.some(function (c) { return c.id === draft.crime_type; });
        if (!known) { state.crimeTypes.push({ id: draft.crime_type, label: humanise(draft.crime_type) }); }
        fillSelect($("c-case-crime"), state.crimeTypes.map(function (c) { return { value: c.id, label: c.label }; }),
          "Choose a crime type");
        $("c-case-crime").value = draft.crime_type;
      } else {
        $("c-case-crime").value = "";
      }
      $("c-case-account").value = draft.account || "";
      $("c-case-location").value = draft.location || "";
      $("c-case-when").value = draft.time_window || "";
      $("c-case-name").value = draft.reporter_name || "";
      $("c-case-contact").value = draft.reporter_contact || "";
      $("c-case-consent").checked = draft.contact_consent === true;
      renderDraftDetails(draft.details || {});
    }, function () { return null; });
  }

  function renderDraftDetails(details) {
    var box = $("c-case-details");
    Array.prototype.slice.call(box.querySelectorAll(".c-detail")).forEach(function (n) { box.removeChild(n); });
    draftDetails = {};
    var keys = Object.keys(details);
    box.hidden = keys.length === 0;
    keys.forEach(function (key, i) {
      var wrap = el("div", "c-detail");
      var id = "c-case-detail-" + i;
      var label = el("label", null, humanise(key));
      label.htmlFor = id;
      var input = el("input");
      input.type = "text";
      input.id = id;
      input.autocomplete = "off";
      input.value = details[key] === null || details[key] === undefined ? "" : String(details[key]);
      draftDetails[key] = input;
      wrap.appendChild(label);
      wrap.appendChild(input);
      box.appendChild(wrap);
    });
  }

  function showReference(text) {
    setText("c-case-result", text);
  }

  $("c-case-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var crime = $("c-case-crime").value;
    if (!crime) {
      setText("c-case-error", "Choose a crime type.");
      $("c-case-crime").focus();
      return;
    }
    var details = {};
    Object.keys(draftDetails).forEach(function (k) { details[k] = draftDetails[k].value; });
    function orNull(id) { var v = $(id).value.trim(); return v ? v : null; }
    var body = {
      crime_type: crime,
      account: $("c-case-account").value.trim(),
      location: orNull("c-case-location"),
      time_window: orNull("c-case-when"),
      details: details,
      reporter_name: orNull("c-case-name"),
      reporter_contact: orNull("c-case-contact"),
      contact_consent: $("c-case-consent").checked,
      n: state.draftNumber // the same number again is the same case (a double click)
    };
    var cid = state.open.cid;
    attempt("c-case-error", busy($("c-case-submit"), api("POST", conversationPath("/case"), body)).then(function (data) {
      if (!data || !state.open || state.open.cid !== cid) { return; }
      showReference((data.created === false ? "Case already created: " : "Case created: ") +
        data.reference);
      $("c-case-create").open = false;
      loadDraft(cid, true); // a further case from this conversation gets the next number
    }));
  });

  $("c-attach-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reference = $("c-attach-ref").value.trim().toUpperCase();
    if (!reference) {
      setText("c-attach-error", "Enter the case reference, for example BL-AB12-CD34.");
      $("c-attach-ref").focus();
      return;
    }
    var cid = state.open.cid;
    attempt("c-attach-error", busy($("c-attach"), api("POST", conversationPath("/attach"), { reference: reference })).then(function (data) {
      if (!data || !state.open || state.open.cid !== cid) { return; }
      showReference("Attached to case " + data.reference);
      $("c-attach-ref").value = "";
    }));
  });

  // ---------- P1 alerts: banner with text, and a sound once the operator has interacted ----------
  var audio = null;
  function unlockAudio() {
    if (audio) { return; }
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    try { audio = new Ctx(); } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", unlockAudio, { capture: true });
  document.addEventListener("keydown", unlockAudio, { capture: true });

  function chime() {
    if (!audio) { return; }
    try {
      if (audio.state === "suspended") { audio.resume(); }
      [0, 0.3].forEach(function (offset) {
        var start = audio.currentTime + offset;
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "square";
        osc.frequency.setValueAtTime(880, start);
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.22);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(start);
        osc.stop(start + 0.25);
      });
    } catch (e) { /* no sound: the banner still shows */ }
  }

  function onAlert(alert) {
    if (!state.user) { return; }
    var key = alert.conversation_id || alert.at || String(Date.now());
    var now = Date.now();
    if (state.alerted[key] && now - state.alerted[key] < 60000) { return; }
    state.alerted[key] = now;
    var banner = el("div", "c-alert");
    var text = el("p", "c-alert-text");
    text.appendChild(el("strong", null, "P1 alert: answer now. "));
    text.appendChild(document.createTextNode(channelLabel(alert.channel) +
      (alert.summary ? ": " + alert.summary : "")));
    banner.appendChild(text);
    if (alert.flags && alert.flags.length) { banner.appendChild(flagList(alert.flags)); }
    if (alert.author || alert.link) {
      var src = el("p", "c-alert-source");
      if (alert.author) { src.appendChild(el("span", null, "By " + alert.author + " ")); }
      var link = alert.link ? safeLink(alert.link, "View the post") : null;
      if (link) { src.appendChild(link); }
      banner.appendChild(src);
    }
    var dismiss = el("button", "c-btn c-btn--light c-alert-dismiss", "Dismiss alert");
    dismiss.type = "button";
    dismiss.addEventListener("click", function () {
      banner.parentNode && banner.parentNode.removeChild(banner);
      $("main").focus();
    });
    banner.appendChild(dismiss);
    $("c-alerts").appendChild(banner);
    chime();
  }

  // ---------- timers ----------
  var tick = null;
  function startTicking() {
    stopTicking();
    tick = window.setInterval(function () {
      var nodes = document.querySelectorAll(".c-timer[data-item]");
      Array.prototype.forEach.call(nodes, function (node) {
        var id = node.getAttribute("data-item");
        var item = findItem(state.waiting, id) || findItem(state.mine, id) ||
          (state.open && state.open.item && state.open.item.id === id ? state.open.item : null);
        if (item) { renderTimer(node, item); }
      });
    }, 1000);
  }
  function stopTicking() { window.clearInterval(tick); tick = null; }

  // ---------- unsent report drafts ----------
  // Reports people started and left. The list holds which questions were answered, never the
  // answers; viewing one (recorded in the audit log) shows them; following one up queues the
  // conversation and claims it, and the case form is then prefilled from the answers.
  var draftsTimer = null;
  function startDraftsRefresh() {
    stopDraftsRefresh();
    loadDrafts();
    draftsTimer = window.setInterval(loadDrafts, DRAFTS_REFRESH_MS);
  }
  function stopDraftsRefresh() { window.clearInterval(draftsTimer); draftsTimer = null; }

  function loadDrafts() {
    if (!state.user) { return; }
    api("GET", "/drafts").then(function (data) {
      if (!data || !state.user) { return; }
      setText("c-drafts-error", "");
      if (typeof data.idle_minutes === "number") { setText("c-drafts-idle", String(data.idle_minutes)); }
      state.drafts = Array.isArray(data.drafts) ? data.drafts : [];
      renderDrafts();
    }, function (error) {
      if (error.status !== 401) { setText("c-drafts-error", problem(error)); }
    });
  }

  function draftTitle(d) {
    return (d.crime_label || humanise(d.crime_type || "crime")) + " report";
  }

  function draftQueueLabel(queue) {
    if (!queue || !queue.state) { return "not in the queue"; }
    if (queue.state === "waiting") { return "waiting in the queue"; }
    return state.user && queue.claimed_by === state.user.username ? "with you" : "with " + queue.claimed_by;
  }

  function draftAbout(d) {
    return channelLabel(d.channel) + " · last answer " + dateTimeLabel(d.updated_at) + " · " +
      draftQueueLabel(d.queue) + (d.status === "following_up" ? " · being followed up" : "");
  }

  function renderDrafts() {
    var list = $("c-drafts");
    clear(list);
    state.drafts.forEach(function (d) {
      var li = el("li", "c-item c-item--draft");
      li.setAttribute("data-conversation", d.conversation_id);
      var head = el("h3", "c-item-head");
      head.appendChild(el("span", "c-item-reason", draftTitle(d)));
      head.appendChild(el("span", "c-item-channel", channelLabel(d.channel)));
      li.appendChild(head);
      var labels = (d.answered || []).map(function (a) { return a.label; });
      li.appendChild(el("p", "c-item-summary", labels.length ? "Answered: " + labels.join(", ") : "No answers yet"));
      if (d.asking_label) { li.appendChild(el("p", "c-item-mode", "Was asking: " + d.asking_label)); }
      li.appendChild(el("p", "c-item-mode", "Last answer " + dateTimeLabel(d.updated_at) + " · " +
        draftQueueLabel(d.queue) + (d.status === "following_up" ? " · being followed up" : "")));
      var id = String(d.conversation_id || "");
      li.appendChild(el("p", "c-item-id", "Conversation " + (id.length > 16 ? id.slice(0, 16) + "…" : id)));
      var view = el("button", "c-btn c-open-draft", "View answers");
      view.type = "button";
      view.setAttribute("aria-label", "View the answers of the unsent " + draftTitle(d));
      view.addEventListener("click", function () { viewDraft(d.conversation_id); });
      li.appendChild(view);
      list.appendChild(li);
    });
    $("c-drafts-empty").hidden = state.drafts.length > 0;
    setText("c-drafts-count", state.drafts.length ? "(" + state.drafts.length + ")" : "");
  }

  function viewDraft(cid) {
    setText("c-draft-error", "");
    return attempt("c-drafts-error", api("GET", "/drafts/" + encodeURIComponent(cid)).then(function (d) {
      if (!d || !state.user) { return; }
      state.draftOpen = d;
      setText("c-draft-view-title", "Unsent " + draftTitle(d).toLowerCase());
      setText("c-draft-view-about", draftAbout(d));
      var rows = $("c-draft-rows");
      clear(rows);
      var answers = Array.isArray(d.answers) ? d.answers : [];
      answers.forEach(function (a) {
        var tr = el("tr");
        var th = el("th", null, a.label);
        th.scope = "row";
        tr.appendChild(th);
        tr.appendChild(el("td", null, a.value));
        rows.appendChild(tr);
      });
      $("c-draft-answers").hidden = answers.length === 0;
      $("c-draft-view").hidden = false;
      $("c-draft-view-title").focus();
    }));
  }

  function hideDraft() {
    state.draftOpen = null;
    clear($("c-draft-rows"));
    setText("c-draft-view-about", "");
    setText("c-draft-error", "");
    $("c-draft-view").hidden = true;
  }

  $("c-drafts-refresh").addEventListener("click", loadDrafts);
  $("c-draft-hide").addEventListener("click", hideDraft);
  $("c-draft-follow").addEventListener("click", function () {
    var d = state.draftOpen;
    if (!d) { return; }
    var path = "/drafts/" + encodeURIComponent(d.conversation_id) + "/follow-up";
    attempt("c-draft-error", busy($("c-draft-follow"), api("POST", path)).then(function (data) {
      if (!data || !data.item) { return null; }
      var item = data.item;
      removeFrom(state.waiting, item.id);
      if (!findItem(state.mine, item.id)) { state.mine.push(item); }
      renderQueue();
      renderMine();
      hideDraft();
      loadDrafts();
      return openConversation(item.conversation_id, item);
    }));
  });

  // ---------- supervisor ----------
  var supTimer = null;
  function startSupervisorRefresh() {
    stopSupervisorRefresh();
    supTimer = window.setInterval(refreshSupervisor, SUPERVISOR_REFRESH_MS);
  }
  function stopSupervisorRefresh() { window.clearInterval(supTimer); supTimer = null; }

  function refreshSupervisor() {
    if (!state.user || state.user.role !== "supervisor") { return; }
    api("GET", "/supervisor/overview").then(function (data) {
      if (!data) { return; }
      state.operators = Array.isArray(data.operators) ? data.operators : [];
      if (data.figures) { state.figures = data.figures; }
      renderOperators();
      renderFigures();
      renderReassignItems();
    }, function (error) {
      if (error.status !== 401) { setText("c-reassign-error", problem(error)); }
    });
  }
  $("c-sup-refresh").addEventListener("click", refreshSupervisor);

  function renderFigures() {
    var f = state.figures;
    var box = $("c-figures");
    if (!f) { return; }
    clear(box);
    function row(label, value, cls) {
      var wrap = el("div", "c-figure" + (cls ? " " + cls : ""));
      wrap.appendChild(el("dt", null, label));
      wrap.appendChild(el("dd", null, value));
      box.appendChild(wrap);
    }
    row("Waiting", String(f.waiting || 0));
    row("With staff", String(f.claimed || 0));
    row("Longest wait", duration(f.oldest_seconds || 0));
    row("Past target", String(f.breached || 0), f.breached ? "c-figure--breached" : "");
    var by = f.by_priority || {};
    ["P1", "P2", "P3", "P4"].forEach(function (p) { row(p + " waiting", String(by[p] || 0)); });
  }

  function renderOperators() {
    var rows = $("c-operators-rows");
    clear(rows);
    state.operators.forEach(function (op) {
      var tr = el("tr");
      tr.setAttribute("data-username", op.username);
      tr.appendChild(el("td", null, op.display_name));
      tr.appendChild(el("td", null, op.username));
      tr.appendChild(el("td", null, op.role === "supervisor" ? "Supervisor" : "Operator"));
      tr.appendChild(el("td", op.online ? "c-online" : "c-offline", op.online ? "Online" : "Offline"));
      var seen = typeof op.last_seen === "number" ? new Date(op.last_seen * 1000).toISOString() : op.last_seen;
      tr.appendChild(el("td", null, seen ? dateTimeLabel(seen) : "–"));
      tr.appendChild(el("td", "c-load", String(op.claimed || 0)));
      rows.appendChild(tr);
    });
    fillSelect($("c-reassign-to"), state.operators.map(function (op) {
      return { value: op.username, label: op.display_name + " (" + op.username + ")" + (op.online ? "" : ", offline") };
    }), "Choose an operator");
  }

  function renderReassignItems() {
    // Waiting items, and (sent to supervisors only) every claimed one.
    var items = state.waiting.slice();
    var seen = {};
    items.forEach(function (i) { seen[i.id] = true; });
    state.claimed.concat(state.mine).forEach(function (i) {
      if (!seen[i.id]) { seen[i.id] = true; items.push(i); }
    });
    var options = items.map(function (i) {
      return { value: i.id, label: i.priority + " " + humanise(i.reason) + " · " + channelLabel(i.channel) +
        (i.claimed_by ? " · with " + i.claimed_by : " · waiting") + " · " + i.conversation_id };
    });
    fillSelect($("c-reassign-item"), options, "Choose an item");
    fillSelect($("c-look-item"), options, "Choose a conversation");
  }

  $("c-reassign-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var item = $("c-reassign-item").value;
    var to = $("c-reassign-to").value;
    setText("c-reassign-status", "");
    if (!item || !to) {
      setText("c-reassign-error", !item ? "Choose the item to reassign." : "Choose the operator to give it to.");
      (!item ? $("c-reassign-item") : $("c-reassign-to")).focus();
      return;
    }
    attempt("c-reassign-error", api("POST", "/items/" + encodeURIComponent(item) + "/reassign", { to: to }).then(function (data) {
      if (!data) { return; }
      setText("c-reassign-status", "Reassigned to " + to + ".");
      refreshSupervisor();
    }));
  });

  $("c-look-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = $("c-look-item").value;
    var reason = $("c-look-reason").value.trim();
    if (!id || !reason) {
      setText("c-look-error", !id ? "Choose the conversation to look at." :
        "Say why you are looking at this conversation (it is recorded).");
      (!id ? $("c-look-item") : $("c-look-reason")).focus();
      return;
    }
    setText("c-look-error", "");
    var item = findItem(state.waiting, id) || findItem(state.claimed, id) || findItem(state.mine, id);
    if (!item) { setText("c-look-error", "That item is no longer in the queue."); return; }
    $("c-look-reason").value = "";
    showView("operator");
    openConversation(item.conversation_id, item, reason);
    $("c-conv-title").focus();
  });

  $("c-audit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var params = new URLSearchParams();
    function add(name, id) { var v = $(id).value.trim(); if (v) { params.set(name, v); } }
    add("actor", "c-audit-actor");
    add("action", "c-audit-action");
    add("conversation", "c-audit-conversation");
    add("case", "c-audit-case");
    ["since", "until"].forEach(function (name) {
      var v = $("c-audit-" + name).value;
      if (!v) { return; }
      var d = new Date(v);
      if (!isNaN(d.getTime())) { params.set(name, d.toISOString()); }
    });
    params.set("limit", "200");
    setText("c-audit-status", "Searching…");
    attempt("c-audit-error", api("GET", "/audit?" + params.toString()).then(function (rows) {
      renderAudit(Array.isArray(rows) ? rows : []);
    })).then(function () {
      if ($("c-audit-status").textContent === "Searching…") { setText("c-audit-status", ""); }
    });
  });

  // Subject access export: the server records it (with the reason) before answering; the
  // answer is saved as a file, never shown on the page.
  $("c-export-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var kind = $("c-export-kind").value === "reporter" ? "reporter" : "conversation";
    var subject = $("c-export-subject").value.trim();
    var reason = $("c-export-reason").value.trim();
    setText("c-export-status", "");
    if (!subject || !reason) {
      setText("c-export-error", subject ? "Say why you are exporting, for example the request's reference (it is recorded)." :
        kind === "reporter" ? "Give the reporter's email address or phone number." : "Give the conversation ID.");
      (subject ? $("c-export-reason") : $("c-export-subject")).focus();
      return;
    }
    var body = { reason: reason };
    body[kind] = subject;
    setText("c-export-status", "Exporting…");
    attempt("c-export-error", api("POST", "/supervisor/export", body).then(function (data) {
      if (!data || !Array.isArray(data.conversations) || !Array.isArray(data.cases)) { return; }
      saveJson(data, "subject-access-export-" + new Date().toISOString().replace(/[-:]|\.\d+/g, "") + ".json");
      $("c-export-subject").value = "";
      $("c-export-reason").value = "";
      setText("c-export-status", "Exported " + data.conversations.length + " conversation(s) and " +
        data.cases.length + " case(s); the file is downloading.");
    })).then(function () {
      if ($("c-export-status").textContent === "Exporting…") { setText("c-export-status", ""); }
    });
  });

  function saveJson(data, filename) {
    var url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function renderAudit(rows) {
    var body = $("c-audit-rows");
    clear(body);
    rows.forEach(function (r) {
      var tr = el("tr", "c-audit-row");
      var when = el("td");
      var time = el("time", null, dateTimeLabel(r.at));
      if (r.at) { time.dateTime = r.at; }
      when.appendChild(time);
      tr.appendChild(when);
      tr.appendChild(el("td", null, r.actor));
      var action = el("td", "c-audit-action", humanise(r.action || ""));
      action.setAttribute("data-action", r.action || "");
      tr.appendChild(action);
      tr.appendChild(el("td", null, r.kind));
      tr.appendChild(el("td", null, r.conversation_id || ""));
      tr.appendChild(el("td", null, r.case_reference || ""));
      tr.appendChild(el("td", null, r.reason || ""));
      var detail = r.detail;
      if (detail && typeof detail === "object") {
        detail = Object.keys(detail).map(function (k) { return k + ": " + detail[k]; }).join(", ");
      }
      tr.appendChild(el("td", null, detail || ""));
      body.appendChild(tr);
    });
    setText("c-audit-status", rows.length === 1 ? "1 entry found." : rows.length + " entries found.");
  }

  // ---------- start ----------
  api("GET", "/me").then(function (me) {
    if (me && me.user) { startConsole(me.user, me.csrf); } else { showSignIn(""); }
  }, function () { showSignIn(""); });
})();

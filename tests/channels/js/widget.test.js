// Behaviour of channels/static/widget.js in jsdom with a fake WebSocket.
// Run by test_channels_widget_js.py; exits 77 (skip) when jsdom is not installed.
let JSDOM;
try {
  ({ JSDOM } = require("jsdom"));
} catch (e) {
  console.log("jsdom not installed");
  process.exit(77);
}
const fs = require("fs");
const path = require("path");
const code = fs.readFileSync(path.join(__dirname, "..", "..", "..", "channels", "static", "widget.js"), "utf8");
const dom = new JSDOM(`<!doctype html><html><head></head><body><p>page</p></body></html>`,
  { url: "http://gw.test/", runScripts: "outside-only", pretendToBeVisual: true });
const w = dom.window;
const sockets = [];
class FakeWS {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; this.l = {}; sockets.push(this); }
  addEventListener(t, f) { (this.l[t] = this.l[t] || []).push(f); }
  send(d) { this.sent.push(JSON.parse(d)); }
  fire(t, e) { (this.l[t] || []).forEach(f => f(e || {})); }
  open() { this.readyState = 1; this.fire("open"); }
  push(frame) { this.fire("message", { data: JSON.stringify(frame) }); }
  drop() { this.readyState = 3; this.fire("close"); }
}
FakeWS.OPEN = 1;
w.WebSocket = FakeWS;
w.eval(code);
const d = w.document;
const assert = (c, m) => { if (!c) { console.error("FAIL:", m); process.exitCode = 1; } else console.log("ok:", m); };
const $ = s => d.querySelector(s);
(async () => {
  assert($(".bl-launcher") && $(".bl-panel").hidden, "launcher present, panel hidden");
  assert(d.querySelector('link[href="http://gw.test/widget.css"]'), "css injected");
  $(".bl-launcher").click();
  assert(!$(".bl-panel").hidden && $(".bl-launcher").getAttribute("aria-expanded") === "true", "opens");
  assert(d.activeElement === $("#bl-input"), "focus moves to input");
  assert($(".bl-emergency").textContent.includes("In an emergency call 999"), "999 line");
  const ws = sockets[0];
  const cid = w.localStorage.getItem("bluelamp.conversation");
  assert(ws.url === "ws://gw.test/ws?conversation=" + cid && /^web-/.test(cid), "socket url " + ws.url);
  ws.open();
  assert(ws.sent[0].type === "history", "history requested on open");
  ws.push({ type: "history", messages: [
    { direction: "out", author: "bot", text: "<img src=x onerror=alert(1)> see https://www.northshire.police.uk/report.", ts: "2026-11-25T10:00:00+00:00", buttons: [{ title: "Report", payload: "/report_theft" }] },
  ] });
  assert(!d.querySelector(".bl-log img"), "no HTML parsed from text");
  assert($(".bl-log .bl-text").textContent.includes("<img src=x"), "markup shown as text");
  const a = $(".bl-log a");
  assert(a && a.href === "https://www.northshire.police.uk/report" && a.rel.includes("noopener"), "link built safely, trailing dot excluded");
  assert(d.querySelectorAll(".bl-quick-btn").length === 1, "quick reply from history");
  $("#bl-input").value = "hello";
  $(".bl-form").dispatchEvent(new w.Event("submit", { cancelable: true }));
  const f1 = ws.sent[1];
  assert(f1.type === "message" && f1.text === "hello" && f1.id, "message frame sent");
  assert(JSON.parse(w.localStorage.getItem("bluelamp.pending")).length === 1, "pending persisted");
  assert($(".bl-log").textContent.includes("Sending…"), "shows sending");
  ws.push({ type: "ack", id: f1.id, duplicate: false });
  assert(JSON.parse(w.localStorage.getItem("bluelamp.pending")).length === 0, "ack clears pending");
  assert(!$(".bl-log").textContent.includes("Sending…"), "sending cleared");
  ws.push({ type: "typing", active: true });
  assert(!$(".bl-typing").hidden, "typing shown");
  ws.push({ type: "bot", text: "Shall I send this report?", ts: "2026-11-25T10:01:00+00:00", buttons: [{ title: "Yes, send it", payload: "/affirm" }] });
  assert($(".bl-typing").hidden, "typing hidden on reply");
  assert($(".bl-log time").getAttribute("datetime"), "timestamps with datetime");
  const qb = $(".bl-quick-btn");
  assert(qb.textContent === "Yes, send it", "quick reply rendered");
  qb.click();
  const f2 = ws.sent[2];
  assert(f2.text === "/affirm" && f2.label === "Yes, send it", "quick reply sends payload + label");
  assert([...d.querySelectorAll(".bl-log .bl-text")].pop().textContent === "Yes, send it", "label displayed");
  // rate limited -> retried later
  ws.push({ type: "error", id: f2.id, code: "rate_limited", error: "slow down", retry_after: 0.1 });
  await new Promise(r => setTimeout(r, 250));
  assert(ws.sent.length === 4 && ws.sent[3].id === f2.id, "rate-limited message resent after retry_after");
  // drop connection, send while offline
  ws.drop();
  assert($(".bl-status").textContent.includes("Reconnecting"), "reconnecting status");
  $("#bl-input").value = "are you there";
  $(".bl-form").dispatchEvent(new w.Event("submit", { cancelable: true }));
  await new Promise(r => setTimeout(r, 1700));
  const ws2 = sockets[sockets.length - 1];
  assert(ws2 !== ws, "reconnected with a new socket");
  ws2.open();
  assert(ws2.sent[0].type === "history", "history on reconnect");
  ws2.push({ type: "history", messages: [
    { direction: "in", author: "person", text: "hello", message_id: f1.id, ts: "2026-11-25T10:00:30+00:00" },
    { direction: "in", author: "person", text: "/affirm", label: "Yes, send it", message_id: f2.id, ts: "2026-11-25T10:01:30+00:00" },
  ] });
  const resent = ws2.sent.filter(f => f.type === "message").map(f => f.text);
  assert(JSON.stringify(resent) === JSON.stringify(["are you there"]), "only unacknowledged message resent: " + JSON.stringify(resent));
  assert($(".bl-log").textContent.includes("Yes, send it") && !$(".bl-log").textContent.includes("/affirm"), "history shows labels");
  // keyboard: Escape closes and returns focus
  $("#bl-input").dispatchEvent(new w.KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
  assert($(".bl-panel").hidden && d.activeElement === $(".bl-launcher"), "Escape closes, focus to launcher");
  // Enter sends
  $(".bl-launcher").click();
  $("#bl-input").value = "via enter";
  $("#bl-input").dispatchEvent(new w.KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
  assert(ws2.sent.some(f => f.text === "via enter"), "Enter sends");
  assert($(".bl-log").getAttribute("role") === "log" && $(".bl-log").getAttribute("aria-live") === "polite", "log role");
  assert(d.querySelector('label[for="bl-input"]'), "labelled input");
  const scroller = $(".bl-scroll");
  assert(scroller.contains($(".bl-log")) && scroller.contains($(".bl-quick")) && scroller.contains($(".bl-typing")),
    "messages, typing and quick replies scroll together");
  assert(scroller.tabIndex === 0 && scroller.getAttribute("role") === "region" && scroller.getAttribute("aria-label") === "Conversation",
    "scroll region focusable and named for keyboard scrolling");

  // ---------- the gateway's 999 guidance is shown prominently ----------
  const ts = "2026-11-25T10:05:00+00:00";
  ws2.push({ type: "bot", text: "What was stolen?", ts, buttons: [{ title: "Cancel", payload: "/stop" }], emergency: false });
  assert(!$(".bl-emergency").classList.contains("bl-emergency--active"), "999 line calm before any emergency");
  ws2.push({ type: "typing", active: true });
  ws2.push({ type: "bot", text: "If you or anyone else is in immediate danger, call 999 now.", ts, buttons: [], emergency: true });
  ws2.push({ type: "bot", text: "Stay quiet and call 999.", ts, buttons: [], emergency: true });
  let urgent = d.querySelectorAll(".bl-log .bl-msg--emergency");
  assert(urgent.length === 2 && urgent[0].classList.contains("bl-msg--system"), "guidance rendered as emergency messages");
  assert(urgent[0].querySelector(".bl-msg-flag") && urgent[0].querySelector(".bl-msg-flag").textContent === "Emergency: call 999 now", "first guidance message carries the flag");
  assert(!urgent[1].querySelector(".bl-msg-flag"), "one flag per run of guidance");
  assert($(".bl-emergency").classList.contains("bl-emergency--active"), "999 line turns prominent");
  assert(!$(".bl-typing").hidden, "typing indicator kept: the bot's answer is still coming");
  assert(d.querySelectorAll(".bl-quick-btn").length === 1, "the bot's quick replies kept under the guidance");
  const alertBox = $(".bl-alert");
  assert(alertBox.getAttribute("role") === "alert" && !alertBox.closest('[aria-live="polite"]'), "assertive region outside the polite log");
  await new Promise(r => setTimeout(r, 120));
  assert(alertBox.textContent === "Emergency: If you or anyone else is in immediate danger, call 999 now.", "first guidance announced: " + alertBox.textContent);
  ws2.push({ type: "bot", text: "Sorry, if this is an emergency call 999.", ts, buttons: [], emergency: false });
  const lastMsg = [...d.querySelectorAll(".bl-log .bl-msg")].pop();
  assert(!lastMsg.classList.contains("bl-msg--emergency") && $(".bl-typing").hidden, "the bot's own answer is an ordinary message");
  assert(alertBox.textContent.startsWith("Emergency: If you"), "ordinary answers are not announced assertively");

  // ---------- quick replies keep keyboard focus in the conversation ----------
  ws2.push({ type: "bot", text: "Anything else?", ts, buttons: [{ title: "No thanks", payload: "/deny" }] });
  $(".bl-quick-btn").focus();
  $(".bl-quick-btn").click();
  assert(d.activeElement === $("#bl-input"), "focus moves to the input after a quick reply");
  assert(d.querySelectorAll(".bl-quick-btn").length === 0, "quick replies cleared once used");

  // ---------- a reload restores the guidance as prominent, quick replies from the bot ----------
  ws2.push({ type: "history", messages: [
    { direction: "in", author: "person", text: "he's back", message_id: "h1", ts },
    { direction: "out", author: "system", text: "Call 999 now.", emergency: true, ts, buttons: [] },
    { direction: "out", author: "system", text: "Stay safe.", emergency: true, ts, buttons: [] },
    { direction: "out", author: "bot", text: "Which report?", ts, buttons: [{ title: "Theft", payload: "/report_theft" }] },
    { direction: "out", author: "system", text: "Call 999 again.", emergency: true, ts, buttons: [] },
  ] });
  urgent = d.querySelectorAll(".bl-log .bl-msg--emergency");
  assert(urgent.length === 3 && d.querySelectorAll(".bl-log .bl-msg-flag").length === 2, "restored guidance prominent, one flag per run");
  assert(d.querySelectorAll(".bl-quick-btn").length === 1 && $(".bl-quick-btn").textContent === "Theft", "quick replies from the last bot message, not the guidance");
  assert($(".bl-log").getAttribute("aria-busy") === "false", "log not busy once rebuilt");

  // ---------- message length: a clear error, nothing cut or lost ----------
  const input = $("#bl-input");
  assert(!input.hasAttribute("maxlength"), "no maxlength: a long paste is not cut silently");
  const sentBefore = ws2.sent.length;
  input.value = "a".repeat(2001);
  input.dispatchEvent(new w.Event("input"));
  assert($(".bl-count").textContent === "1 character too many" && $(".bl-count").classList.contains("bl-count--over"), "counter: " + $(".bl-count").textContent);
  $(".bl-form").dispatchEvent(new w.Event("submit", { cancelable: true }));
  assert(ws2.sent.length === sentBefore, "too long: not sent");
  assert($("#bl-error").textContent === "Your message is too long: 2,001 characters. The limit is 2,000. Please shorten it or send it in parts.", "error: " + $("#bl-error").textContent);
  assert($("#bl-error").getAttribute("role") === "alert" && input.getAttribute("aria-invalid") === "true", "error announced, input marked invalid");
  assert(input.getAttribute("aria-describedby").split(" ").includes("bl-error"), "error describes the input");
  assert(input.value.length === 2001 && d.activeElement === input, "text kept, focus in the input");
  input.value = "a".repeat(1900);
  input.dispatchEvent(new w.Event("input"));
  assert($("#bl-error").textContent === "" && !input.hasAttribute("aria-invalid"), "error cleared once short enough");
  assert($(".bl-count").textContent === "100 characters left", "counter near the limit: " + $(".bl-count").textContent);
  input.value = "\u{1F6B2}".repeat(2000); // emoji: two UTF-16 units, one character to the gateway
  input.dispatchEvent(new w.Event("input"));
  assert($(".bl-count").textContent === "0 characters left", "counted as the gateway counts: " + $(".bl-count").textContent);
  $(".bl-form").dispatchEvent(new w.Event("submit", { cancelable: true }));
  assert(ws2.sent.length === sentBefore + 1 && Array.from(ws2.sent[ws2.sent.length - 1].text).length === 2000, "exactly the limit is sent");
  assert(input.value === "" && $(".bl-count").textContent === "", "input and counter reset after sending");

  // ---------- data-max-chars on the script tag sets the limit ----------
  const dom2 = new JSDOM(`<!doctype html><html><head></head><body><script data-max-chars="50">${code.replace(/<\/script/g, "<\\/script")}</script></body></html>`,
    { url: "http://gw2.test/", runScripts: "dangerously", beforeParse(win) { win.WebSocket = FakeWS; } });
  const d2 = dom2.window.document;
  assert(d2.querySelector(".bl-hint").textContent.includes("Up to 50 characters"), "hint states the configured limit");
  d2.querySelector(".bl-launcher").click();
  const input2 = d2.querySelector("#bl-input");
  input2.value = "b".repeat(51);
  d2.querySelector(".bl-form").dispatchEvent(new dom2.window.Event("submit", { cancelable: true }));
  assert(d2.querySelector("#bl-error").textContent.includes("The limit is 50."), "configured limit enforced");
  process.exit(process.exitCode || 0);
})();

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
  process.exit(process.exitCode || 0);
})();

// The widget when staff take a conversation over (channels/static/widget.js in jsdom).
// Run by test_live_widget_js.py; exits 77 (skip) when jsdom is not installed.
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
const dom = new JSDOM(`<!doctype html><html><head></head><body></body></html>`,
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
const $$ = s => [...d.querySelectorAll(s)];
const last = () => $$(".bl-log .bl-msg").pop();
const ts = "2026-11-26T10:00:00+00:00";

$(".bl-launcher").click();
const ws = sockets[0];
ws.open();
ws.push({ type: "history", messages: [
  { direction: "out", author: "bot", text: "How can I help?", ts, buttons: [{ title: "Report", payload: "/report" }] },
], mode: "bot" });
assert($(".bl-staff").hidden, "no staff banner while the bot has the chat");
assert($$(".bl-quick-btn").length === 1, "the bot's quick reply shown");

// ---------- staff join ----------
ws.push({ type: "bot", text: "A member of our contact centre team has joined the chat.", ts, buttons: [], emergency: false, author: "system" });
ws.push({ type: "mode", mode: "human" });
assert(last().classList.contains("bl-msg--system") && !last().classList.contains("bl-msg--operator"), "the join notice is a system message");
assert(last().textContent.includes("has joined the chat"), "join notice text shown");
assert(!$(".bl-staff").hidden && $(".bl-staff").textContent.includes("member of our contact centre team"), "staff banner shown in words");
assert($$(".bl-quick-btn").length === 0, "the bot's quick replies go when staff join");

// ---------- staff typing, then a staff message ----------
assert($(".bl-typing--staff").hidden, "staff typing hidden at first");
ws.push({ type: "typing", active: true, author: "operator" });
assert(!$(".bl-typing--staff").hidden && $(".bl-typing--staff").textContent === "A member of staff is typing…", "staff typing indicator");
assert($(".bl-typing:not(.bl-typing--staff)").hidden, "not shown as the assistant typing");
ws.push({ type: "typing", active: false, author: "operator" });
assert($(".bl-typing--staff").hidden, "staff typing hidden when they stop");
ws.push({ type: "typing", active: true, author: "operator" });
ws.push({ type: "bot", text: "Hello, I'm Sam. <b>How</b> can I help?", ts, buttons: [], emergency: false, author: "operator" });
const staffMsg = last();
assert(staffMsg.classList.contains("bl-msg--operator"), "operator message marked");
assert(staffMsg.querySelector(".bl-msg-badge") && staffMsg.querySelector(".bl-msg-badge").textContent === "Contact centre team", "labelled in words, not colour alone");
assert(staffMsg.querySelector(".bl-visually-hidden").textContent === "Northshire Police contact centre team said: ", "screen readers hear who said it");
assert(staffMsg.querySelector(".bl-meta").textContent.startsWith("Northshire Police contact centre team · "), "meta names the team");
assert(!staffMsg.querySelector("b") && staffMsg.querySelector(".bl-text").textContent.includes("<b>How</b>"), "staff text stays text");
assert($(".bl-typing--staff").hidden, "staff typing hidden once their message arrives");
const botMsgs = $$(".bl-log .bl-msg--out:not(.bl-msg--operator):not(.bl-msg--system)");
assert(botMsgs.length === 1 && !botMsgs[0].querySelector(".bl-msg-badge"), "the bot's messages carry no staff badge");

// ---------- staff leave ----------
ws.push({ type: "typing", active: true, author: "operator" });
ws.push({ type: "bot", text: "You're back with the virtual assistant. How else can I help?", ts, buttons: [], emergency: false, author: "system" });
ws.push({ type: "mode", mode: "bot" });
assert($(".bl-staff").hidden, "banner gone when staff hand back");
assert($(".bl-typing--staff").hidden, "staff typing gone when staff hand back");
assert(last().textContent.includes("back with the virtual assistant"), "hand-back notice shown");
ws.push({ type: "bot", text: "Echo", ts, buttons: [], emergency: false, author: "bot" });
assert(!last().classList.contains("bl-msg--operator"), "the bot again");

// ---------- closed ----------
ws.push({ type: "mode", mode: "human" });
ws.push({ type: "closed" });
assert($(".bl-staff").hidden, "banner gone when the chat is closed");

// ---------- a reload shows staff messages the same way, and the mode ----------
const ws2Count = sockets.length;
ws.drop();
(async () => {
  await new Promise(r => setTimeout(r, 1700));
  const ws2 = sockets[sockets.length - 1];
  assert(sockets.length > ws2Count, "reconnected");
  ws2.open();
  ws2.push({ type: "history", mode: "human", messages: [
    { direction: "in", author: "person", text: "hi", message_id: "a1", ts },
    { direction: "out", author: "system", text: "A member of our contact centre team has joined the chat.", ts, buttons: [] },
    { direction: "out", author: "operator", text: "Hello again", ts, buttons: [] },
  ] });
  const restored = $$(".bl-log .bl-msg--operator");
  assert(restored.length === 1 && restored[0].querySelector(".bl-msg-badge").textContent === "Contact centre team", "history replay labels staff messages");
  assert(!$(".bl-staff").hidden, "history in human mode shows the banner");
  ws2.push({ type: "history", mode: "bot", messages: [] });
  assert($(".bl-staff").hidden, "history in bot mode hides it");
  process.exit(process.exitCode || 0);
})();

// The console's "Unsent reports" panel (channels/static/console.js in jsdom, against a fake
// API): the list by label, one draft's answers as text, following one up. Run by
// test_console_drafts_js.py; exits 77 (skip) when jsdom is not installed.
let JSDOM;
try {
  ({ JSDOM } = require("jsdom"));
} catch (e) {
  console.log("jsdom not installed");
  process.exit(77);
}
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..", "..", "..");
const html = fs.readFileSync(path.join(root, "channels", "static", "console.html"), "utf8")
  .replace(/<script[^>]*><\/script>/g, "");
const code = fs.readFileSync(path.join(root, "channels", "static", "console.js"), "utf8");
const dom = new JSDOM(html, { url: "http://gw.test/console", runScripts: "outside-only", pretendToBeVisual: true });
const w = dom.window;
const d = w.document;
const assert = (c, m) => { if (!c) { console.error("FAIL:", m); process.exitCode = 1; } else console.log("ok:", m); };
const settle = () => new Promise(r => setTimeout(r, 30));

const NOW = "2026-12-08T10:00:00+00:00";
const HOSTILE = "<img src=x onerror=window.__pwned=1>";
const summary = {
  conversation_id: "web-1", channel: "webchat", crime_type: "theft", crime_label: "Theft",
  answered: [{ slot: "incident_description", label: "What happened" }, { slot: "odd", label: HOSTILE }],
  asking: "evidence", asking_label: "Evidence", status: "unsent",
  created_at: NOW, updated_at: NOW, idle_seconds: 900,
  queue: { state: null, item_id: null, claimed_by: null },
};
const item = {
  id: "q9", conversation_id: "web-1", channel: "webchat", priority: "P3", reason: "report_draft",
  summary: "Unsent theft report: 2 answers given", flags: [], enqueued_at: NOW, claimed_by: "op1",
  claimed_at: NOW, link: null, author: null, target_seconds: 600, waited_seconds: 0, breached: false, mode: "bot",
};
const routes = {
  "GET /me": { user: { username: "op1", display_name: "Operator One", role: "operator" }, csrf: "tok-1", idle_seconds: 900 },
  "GET /queue": { waiting: [], mine: [], figures: { waiting: 0, claimed: 0, oldest_seconds: 0, breached: 0, by_priority: {} }, now: NOW },
  "GET /canned": [], "GET /outcomes": [], "GET /crime-types": [{ id: "theft", label: "Theft" }],
  "GET /drafts": { idle_minutes: 10, drafts: [summary], now: NOW },
  "GET /drafts/web-1": Object.assign({}, summary, { answers: [
    { slot: "incident_description", label: "What happened", value: "<b>bike</b> taken" },
    { slot: "reporter_name", label: "Reporter's name", value: "Jo Bloggs" },
  ] }),
  "POST /drafts/web-1/follow-up": { item: item },
  "GET /conversations/web-1": { conversation_id: "web-1", channel: "webchat", mode: "bot", item: item, transcript: [], collected: {} },
  "GET /conversations/web-1/case-draft": { crime_type: "theft", account: "<b>bike</b> taken", location: null, time_window: null, details: {}, reporter_name: "Jo Bloggs", reporter_contact: null, contact_consent: false, n: 0 },
};
const calls = [];
w.fetch = (url, init) => {
  const method = (init && init.method) || "GET";
  const p = String(url).replace("/console/api", "");
  calls.push({ method, path: p, headers: (init && init.headers) || {} });
  const body = routes[method + " " + p.split("?")[0]];
  const status = body === undefined ? 404 : 200;
  const text = JSON.stringify(body === undefined ? { error: "not here" } : body);
  return Promise.resolve({ status, ok: status < 400, text: () => Promise.resolve(text), headers: { get: () => null } });
};
class FakeWS {
  constructor() { this.readyState = 0; this.l = {}; }
  addEventListener(t, f) { (this.l[t] = this.l[t] || []).push(f); }
  send() {}
  close() {}
}
FakeWS.OPEN = 1;
w.WebSocket = FakeWS;
w.HTMLElement.prototype.scrollIntoView = function () {};
w.eval(code);

(async () => {
  await settle();
  const $ = id => d.getElementById(id);
  assert(calls.some(c => c.method === "GET" && c.path === "/drafts"), "the drafts are asked for at sign-in");
  const rows = [...$("c-drafts").children];
  assert(rows.length === 1 && $("c-drafts-empty").hidden, "one unsent report listed");
  assert($("c-drafts-count").textContent === "(1)", "the count shown");
  assert(rows[0].textContent.includes("Theft report") && rows[0].textContent.includes("What happened"), "crime and answered questions by label");
  assert(rows[0].textContent.includes("Was asking: Evidence"), "the question being asked");
  assert(rows[0].textContent.includes("not in the queue"), "the queue state");
  assert(!rows[0].querySelector("img") && rows[0].textContent.includes(HOSTILE), "labels stay text");
  assert($("c-draft-view").hidden, "no answers shown before asking");

  rows[0].querySelector(".c-open-draft").click();
  await settle();
  assert(calls.some(c => c.method === "GET" && c.path === "/drafts/web-1"), "opening asks for the draft");
  assert(!$("c-draft-view").hidden, "the draft is shown");
  const cells = [...$("c-draft-rows").querySelectorAll("td")].map(td => td.textContent);
  assert(cells[0] === "<b>bike</b> taken" && !$("c-draft-rows").querySelector("b"), "answers stay text");
  assert(cells[1] === "Jo Bloggs", "every answer shown");
  assert(w.__pwned === undefined, "nothing ran");

  $("c-draft-follow").click();
  await settle();
  const post = calls.find(c => c.method === "POST" && c.path === "/drafts/web-1/follow-up");
  assert(post && post.headers["X-CSRF-Token"] === "tok-1", "follow-up sent with the CSRF token");
  assert($("c-draft-view").hidden && $("c-draft-rows").children.length === 0, "the answers are put away");
  assert([...$("c-mine").children].length === 1, "the conversation is now mine");
  assert(!$("c-conv-body").hidden && calls.some(c => c.path === "/conversations/web-1"), "and opened");
  assert(calls.some(c => c.path === "/conversations/web-1/case-draft"), "with the case form prefilled");
  await settle();
  assert($("c-case-account").value === "<b>bike</b> taken", "the case form holds the draft's account");

  $("c-signout").click();
  await settle();
  assert($("c-drafts").children.length === 0 && $("c-draft-rows").children.length === 0, "nothing left after signing out");
})();

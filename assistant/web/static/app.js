// The chat page: conversation, streaming answers, citation cards, the move chart, language and the API key.
// Everything shown is built with createElement/textContent (see markdown.js): answers quote outside text.

import { el, moveData, renderChart } from "./chart.js";
import { languageOf, translator } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";
import { ApiError, getJson, streamAnswer } from "./stream.js";

const KEY_STORE = "market-assistant.api-key";
const $ = (id) => document.getElementById(id);
const body = document.body;
const params = new URLSearchParams(location.search);

const state = {
  lang: pickInitialLanguage(),
  key: null,
  keyInjected: false,
  sessionId: newSessionId(),
  messages: [],
  turn: 0,
  busy: false,
  pending: null,
  names: new Map(),
  data: { origin: body.dataset.origin, as_of: body.dataset.asOf, trade_date: body.dataset.tradeDate },
};
let t = translator(state.lang);

// ------------------------------------------------------------------------------------------ language

function pickInitialLanguage() {
  const asked = params.get("lang");
  if (asked === "zh" || asked === "en") return asked;
  return (navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en";
}

function setLanguage(lang) {
  state.lang = lang;
  t = translator(lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("q").placeholder = t("placeholder");
  $("q").setAttribute("aria-label", t("askLabel"));
  $("log").setAttribute("aria-label", t("title"));
  renderDataLine();
  renderSuggestions();
}

function renderDataLine() {
  const d = state.data;
  const origin = t("origin")[d.origin] || d.origin;
  const asOf = (d.as_of || "").replace("T", " ").replace(/:00([+-]\d\d:\d\d)$/, " ($1)");
  const line = $("data-line");
  line.textContent = t("dataLine", { origin, asOf, tradeDate: d.trade_date });
  line.classList.toggle("not-live", d.origin !== "live");
}

function renderSuggestions() {
  const etf = (body.dataset.etfs || "560500").split(",")[0];
  const box = $("suggestions");
  box.replaceChildren(...t("suggestions").map((text) => {
    const q = text.replace("{etf}", etf);
    const b = el("button", "chip", q);
    b.type = "button";
    b.addEventListener("click", () => ask(q));
    return b;
  }));
}

// ------------------------------------------------------------------------------------------ API key

function loadKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    history.replaceState(null, "", location.pathname + location.search); // never leave the key in the URL bar
    return setKey(fromHash, true);
  }
  try {
    const saved = localStorage.getItem(KEY_STORE);
    if (saved) setKey(saved, false);
  } catch {
    // storage disabled (third-party iframe): the key is asked for or injected
  }
}

function setKey(key, injected) {
  state.key = key;
  state.keyInjected = injected;
  if (!injected) {
    try {
      localStorage.setItem(KEY_STORE, key);
    } catch {
      // keep it for this page only
    }
  }
  $("key-form").hidden = true;
  $("key-button").hidden = injected;
  const pending = state.pending;
  state.pending = null;
  if (pending) ask(pending);
}

function askForKey(message) {
  const form = $("key-form");
  form.hidden = false;
  $("key-status").textContent = message || "";
  $("key-input").focus();
}

// A portal embedding the page hands the key over with postMessage (embed.js does); only our parent may.
window.addEventListener("message", (event) => {
  const msg = event.data;
  if (event.source !== window.parent || !msg || msg.type !== "market-assistant:key" || typeof msg.key !== "string") return;
  setKey(msg.key, true);
});

// ------------------------------------------------------------------------------------------ asking

async function ask(question) {
  question = question.trim();
  if (!question || state.busy) return;
  if (!state.key) {
    state.pending = question; // asked as soon as a key is typed or handed over by the portal
    askForKey(t("keyNeeded"));
    return;
  }
  setLanguage(languageOf(question));
  $("welcome").hidden = true;
  state.busy = true;
  $("send").disabled = true;
  const log = $("log");
  const n = ++state.turn;
  const user = el("article", "turn user");
  user.append(el("h2", "who sr-only", t("you")), el("p", "bubble", question));
  const bot = el("article", "turn bot");
  bot.setAttribute("aria-busy", "true");
  const answer = el("div", "answer");
  const status = el("p", "status", t("thinking"));
  answer.append(status);
  bot.append(el("h2", "who sr-only", t("assistant")), answer);
  log.append(user, bot);
  bot.scrollIntoView({ block: "start", behavior: "smooth" });

  const history = [...state.messages, { role: "user", content: question }];
  let text = "";
  let final = null;
  const cite = (k) => citeLink(n, k);
  try {
    await streamAnswer({
      key: state.key,
      messages: history,
      sessionId: state.sessionId,
      onText: (piece) => {
        text += piece;
        renderMarkdown(text, answer, cite);
      },
      onFinal: (chunk) => {
        final = chunk;
      },
    });
    if (final) await finish(bot, answer, n, text, final);
    state.messages = [...history, { role: "assistant", content: text }];
  } catch (err) {
    showError(answer, err);
  } finally {
    bot.setAttribute("aria-busy", "false");
    state.busy = false;
    $("send").disabled = false;
    $("q").focus();
  }
}

async function finish(bot, answer, n, text, final) {
  if (final.language === "zh" || final.language === "en") setLanguage(final.language);
  if (final.data) {
    state.data = final.data;
    renderDataLine();
  }
  renderMarkdown(text, answer, (k) => citeLink(n, k));
  if (final.warnings && final.warnings.length) {
    const box = el("section", "warnings");
    box.append(el("h3", null, t("warnings")));
    const list = el("ul");
    for (const w of final.warnings) list.append(el("li", null, w));
    box.append(list);
    bot.append(box);
  }
  const chart = moveData(final.facts || []);
  if (chart) {
    await loadNames(chart.groups.flatMap(([, list]) => list.map((f) => f.subject)));
    bot.append(renderChart(chart, t, stockLabel));
  }
  if (final.citations && final.citations.length) bot.append(renderCards(n, final.citations));
  const meta = t("answeredBy")[final.answerer] || final.answerer || "";
  if (meta) bot.append(el("p", "meta", meta));
}

function citeLink(turn, k) {
  const a = el("a", "cite", `[${k}]`);
  a.href = `#c-${turn}-${k}`;
  a.addEventListener("click", (event) => {
    const card = document.getElementById(`c-${turn}-${k}`);
    if (!card) return;
    event.preventDefault();
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.focus({ preventScroll: true });
    card.classList.remove("flash");
    void card.offsetWidth; // restart the highlight animation
    card.classList.add("flash");
  });
  return a;
}

function renderCards(turn, citations) {
  const section = el("section", "sources");
  section.append(el("h3", null, t("sources")));
  const list = el("ol", "cards");
  for (const c of citations) {
    const card = el("li", `card kind-${c.kind}`);
    card.id = `c-${turn}-${c.n}`;
    card.tabIndex = -1;
    card.append(el("span", "card-n", String(c.n)));
    const main = el("div", "card-body");
    const title = el("p", "card-title");
    const safeUrl = httpUrl(c.url);
    if (c.kind === "data") {
      title.append(`${t("frame")} `, el("code", null, c.id)); // names the frame; c.title repeats origin/as-of
      if (c.title) title.title = c.title;
    } else if (safeUrl) {
      const a = el("a", null, c.title || c.id);
      a.href = safeUrl;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      title.append(a);
    } else {
      title.textContent = c.title || c.id;
    }
    const when = c.published_at ? c.published_at.slice(0, 16).replace("T", " ") : null;
    const kind = t("kind")[c.kind] || c.kind;
    const source = c.kind === "data" ? null : c.source; // a data card's title already says AKShare
    main.append(title, el("p", "card-meta", [kind, source, when].filter(Boolean).join(" · ")));
    const quote = quoteText(c);
    if (quote) main.append(el("blockquote", "card-quote", quote));
    card.append(main);
    list.append(card);
  }
  section.append(list);
  return section;
}

function quoteText(c) {
  if (!c.quote) return "";
  // The title and a "source · date" byline are already on the card.
  const byline = (line) => c.source && line.includes(c.source) && /\d{4}-\d{2}-\d{2}/.test(line)
    && line.length < c.source.length + 24;
  const lines = c.quote.split("\n").filter((line, i) => !(i === 0 && line.trim() === (c.title || "").trim()));
  return lines.filter((line) => !byline(line)).join("\n").trim();
}

function httpUrl(url) {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

async function loadNames(codes) {
  const wanted = [...new Set(codes)].filter((c) => !state.names.has(c));
  if (!wanted.length) return;
  try {
    const names = await getJson(`web/names?codes=${encodeURIComponent(wanted.join(","))}`, state.key);
    for (const [code, v] of Object.entries(names)) state.names.set(code, v);
  } catch {
    // labels fall back to codes
  }
}

function stockLabel(code) {
  const n = state.names.get(code);
  const name = n && (state.lang === "en" ? n.name_en || n.name : n.name || n.name_en);
  return name ? `${name} ${code}` : code;
}

function showError(answer, err) {
  let message = t("network");
  if (err instanceof ApiError) {
    if (err.status === 401) {
      state.key = null;
      askForKey(t("keyRejected"));
      message = t("keyRejected");
    } else if (err.status === 429) {
      message = t("busy", { s: err.retryAfter || 60 });
    } else {
      message = err.message;
    }
  }
  const p = el("p", "error", `${t("error")}${message}`);
  p.setAttribute("role", "alert");
  answer.replaceChildren(p);
}

function newConversation() {
  state.sessionId = newSessionId();
  state.messages = [];
  for (const node of $("log").querySelectorAll(".turn")) node.remove();
  $("welcome").hidden = false;
  $("q").value = "";
  $("q").focus();
}

function newSessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// ------------------------------------------------------------------------------------------ wiring

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("q").value;
  if (!q.trim() || state.busy) return;
  $("q").value = "";
  ask(q);
});
$("q").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("ask-form").requestSubmit();
  }
});
$("new-chat").addEventListener("click", newConversation);
$("key-button").addEventListener("click", () => askForKey(""));
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key) return;
  $("key-input").value = "";
  setKey(key, false);
  $("q").focus();
});

setLanguage(state.lang);
loadKey();
if (window.parent === window) {
  if (state.key) $("q").focus();
  else askForKey("");
}
if (window.parent !== window) window.parent.postMessage({ type: "market-assistant:ready" }, "*");

// Interface strings, one table keyed by message then language. The interface follows the question's language.

export const STRINGS = {
  title: { zh: "ETF 问答助手", en: "ETF Assistant" },
  subtitle: { zh: "A股指数ETF · 有数可查，有源可引", en: "A-share index ETFs · provable numbers, cited sources" },
  newChat: { zh: "新对话", en: "New conversation" },
  keyButton: { zh: "API 密钥", en: "API key" },
  keyLabel: { zh: "API 密钥（只需输入一次）", en: "API key (entered once)" },
  keySave: { zh: "保存", en: "Save" },
  keyNeeded: { zh: "请先输入 API 密钥。", en: "Enter an API key first." },
  keyRejected: { zh: "密钥无效，请重新输入。", en: "The key was rejected; enter it again." },
  askLabel: { zh: "输入问题", en: "Your question" },
  placeholder: { zh: "例如：为什么560500今天上涨？（Enter 发送，Shift+Enter 换行）",
    en: "e.g. Why did 560500 rise today? (Enter sends, Shift+Enter for a new line)" },
  send: { zh: "发送", en: "Send" },
  welcome: { zh: "问我A股指数ETF的涨跌原因、成分股、份额与基金信息。每个数字都有数据来源，每条结论都有引用。",
    en: "Ask why an A-share index ETF moved, what it holds, how its units changed, or about the fund. Every number has a data source and every claim a citation." },
  tryThese: { zh: "试试这些问题：", en: "Try one of these:" },
  suggestions: {
    zh: ["为什么{etf}今天上涨？", "{etf}的前十大权重股有哪些？", "{etf}近一个月份额变化如何？"],
    en: ["Why did {etf} rise today?", "What are the top 10 holdings of {etf}?", "How did {etf}'s units change over the last month?"],
  },
  you: { zh: "你", en: "You" },
  assistant: { zh: "助手", en: "Assistant" },
  thinking: { zh: "正在查询数据…", en: "Looking at the data…" },
  sources: { zh: "引用来源", en: "Sources" },
  warnings: { zh: "数据提示", en: "Data caveats" },
  chartTitle: { zh: "涨跌拆解", en: "What moved it" },
  asOf: { zh: "截至", en: "as of" },
  etf: { zh: "ETF", en: "ETF" },
  index: { zh: "指数", en: "Index" },
  pulledUp: { zh: "拉动最多的成分股（百分点）", en: "Largest contributors up (pp)" },
  draggedDown: { zh: "拖累最多的成分股（百分点）", en: "Largest contributors down (pp)" },
    kind: { zh: { news: "新闻", document: "文档", data: "数据" }, en: { news: "news", document: "document", data: "data" } },
  frame: { zh: "AKShare 数据表", en: "AKShare frame" },
  answeredBy: { zh: { offline: "离线规则作答", llm: "大模型作答", llm_repaired: "大模型作答（已校正）",
    offline_fallback: "离线规则作答（大模型答案未通过校验）" },
  en: { offline: "answered offline", llm: "answered by the LLM", llm_repaired: "answered by the LLM (repaired)",
    offline_fallback: "answered offline (the LLM's answer did not pass checks)" } },
  origin: { zh: { sample: "样例数据（非实时）", synthetic: "合成测试数据（非真实）", recorded: "录制快照（非实时）", live: "实时数据" },
    en: { sample: "Sample data (not live)", synthetic: "Synthetic test data (not real)", recorded: "Recorded snapshot (not live)", live: "Live data" } },
  dataLine: { zh: "{origin} · 数据截至 {asOf} · 交易日 {tradeDate} · 来源 AKShare",
    en: "{origin} · data as of {asOf} · trade date {tradeDate} · source AKShare" },
  error: { zh: "出错了：", en: "Something went wrong: " },
  network: { zh: "无法连接服务器。", en: "Cannot reach the server." },
  busy: { zh: "请求过于频繁，请 {s} 秒后再试。", en: "Too many requests; try again in {s} s." },
};

/** The question's language: any CJK character makes it Chinese. */
export function languageOf(text) {
  return /[\u3400-\u9fff\uf900-\ufaff]/.test(text) ? "zh" : "en";
}

/** A translator for `lang`; `{name}` placeholders are filled from `vars`. */
export function translator(lang) {
  return (key, vars = {}) => {
    const entry = STRINGS[key];
    const value = entry ? entry[lang] ?? entry.en : key;
    return typeof value === "string" ? value.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : value;
  };
}

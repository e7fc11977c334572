// One-tag embed for portals:
//   <script src="https://HOST/web/embed.js" data-api-key="KEY" data-lang="zh" async></script>
// inserts the chat page as an iframe where the tag stands (or into `data-target`, a CSS selector) and hands it
// the key with postMessage once the page says it is ready: the key never travels in a URL, so it stays out of
// server logs and Referer headers. Optional: data-height (default 640px), data-title.
(() => {
  const script = document.currentScript;
  if (!script) return;
  const page = new URL("../", script.src);
  const opts = script.dataset;
  const src = new URL(page);
  src.searchParams.set("embed", "1");
  if (opts.lang) src.searchParams.set("lang", opts.lang);
  const frame = document.createElement("iframe");
  frame.src = src.href;
  frame.title = opts.title || "ETF assistant";
  frame.loading = "lazy";
  frame.style.width = "100%";
  frame.style.height = opts.height || "640px";
  frame.style.border = "0";
  frame.style.borderRadius = "12px";
  frame.style.colorScheme = "normal";
  const target = opts.target ? document.querySelector(opts.target) : null;
  if (target) target.append(frame);
  else script.after(frame);
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow || event.origin !== page.origin) return;
    if (event.data && event.data.type === "market-assistant:ready" && opts.apiKey) {
      frame.contentWindow.postMessage({ type: "market-assistant:key", key: opts.apiKey }, page.origin);
    }
  });
})();

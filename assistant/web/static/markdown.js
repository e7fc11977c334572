// A small, safe Markdown subset rendered straight into DOM nodes.
//
// Answers quote news titles and passages, which are data from the outside world: text only ever reaches the
// page through createTextNode/textContent, never through innerHTML, so a `<script>` or an `<img onerror>`
// inside an article is shown as text and never runs. Supported: paragraphs and line breaks, `#` headings,
// `-`/`*`/`1.` lists, `>` quotes, **bold**, `code`, and citation markers [n] (links to the citation cards).

const INLINE = /\*\*([^*\n]+?)\*\*|`([^`\n]+)`|\[(\d{1,3})\]/g;

/** Render `text` into `container` (its children are replaced). `cite(n)` returns a link element or null. */
export function renderMarkdown(text, container, cite) {
  const out = document.createDocumentFragment();
  let list = null;
  let para = null;
  let quote = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (!line.trim()) {
      list = para = quote = null;
      continue;
    }
    let m = /^(#{1,6})\s+(.*)$/.exec(line);
    if (m) {
      const h = document.createElement(`h${Math.min(m[1].length + 2, 6)}`);
      inline(h, m[2], cite);
      out.append(h);
      list = para = quote = null;
      continue;
    }
    m = /^\s*(?:([-*•])|(\d{1,3})[.)])\s+(.*)$/.exec(line);
    if (m) {
      const tag = m[2] ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = document.createElement(tag);
        if (m[2] && m[2] !== "1") list.start = Number(m[2]);
        out.append(list);
      }
      const li = document.createElement("li");
      inline(li, m[3], cite);
      list.append(li);
      para = quote = null;
      continue;
    }
    m = /^>\s?(.*)$/.exec(line);
    if (m) {
      if (!quote) {
        quote = document.createElement("blockquote");
        out.append(quote);
      } else {
        quote.append(document.createElement("br"));
      }
      inline(quote, m[1], cite);
      list = para = null;
      continue;
    }
    if (para) {
      para.append(document.createElement("br"));
    } else {
      para = document.createElement("p");
      out.append(para);
    }
    inline(para, line, cite);
    list = quote = null;
  }
  container.replaceChildren(out);
}

function inline(parent, text, cite) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) parent.append(document.createTextNode(text.slice(last, m.index)));
    if (m[1] !== undefined) {
      const b = document.createElement("strong");
      inline(b, m[1], cite);
      parent.append(b);
    } else if (m[2] !== undefined) {
      const c = document.createElement("code");
      c.textContent = m[2];
      parent.append(c);
    } else {
      const link = cite ? cite(Number(m[3])) : null;
      parent.append(link || document.createTextNode(m[0]));
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

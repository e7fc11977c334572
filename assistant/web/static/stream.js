// POST /v1/chat/completions with `stream: true` and hand each server-sent event to the caller as it arrives.
// The text comes in `choices[0].delta.content`; the final chunk carries the answer object's evidence
// (citations, facts, data, warnings, answerer, language) as extra fields; an error after the stream began
// arrives as `{"error": {...}}`. Relative URLs keep the page working behind a path prefix.

export class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Stream one answer. `onText(piece)` per text chunk, `onFinal(chunk)` for the evidence. */
export async function streamAnswer({ key, messages, sessionId, onText, onFinal, signal }) {
  const res = await fetch("v1/chat/completions", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}`, Accept: "text/event-stream" },
    body: JSON.stringify({ model: "market-assistant", messages, stream: true, session_id: sessionId }),
    signal,
  });
  if (!res.ok) throw await apiError(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (!data || data === "[DONE]") continue;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new ApiError(chunk.error.status || 500, chunk.error.message || "error");
      const piece = chunk.choices && chunk.choices[0] && chunk.choices[0].delta && chunk.choices[0].delta.content;
      if (piece) onText(piece);
      if (chunk.citations || chunk.facts || chunk.data) onFinal(chunk);
    }
  }
}

/** GET a JSON resource behind the key. */
export async function getJson(url, key) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
  if (!res.ok) throw await apiError(res);
  return res.json();
}

async function apiError(res) {
  let message = `HTTP ${res.status}`;
  try {
    const body = await res.json();
    message = (body.error && body.error.message) || body.detail || message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, res.headers.get("Retry-After"));
}

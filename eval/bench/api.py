"""`market-assistant bench api`: HTTP throughput and latency of `serve` against the engine in-process.

    market-assistant bench api [--seconds 20] [--clients 32] [--workers 2] [--store DIR]

Starts `serve --workers N` on a loopback port and drives it with wrk (C, event loop: it is not the
bottleneck the way a Python client would be; apt package `wrk`), a mix of the shipped sample questions:
1. `/v1/answers`: answers/s, p50/p95/p99 latency, errors (socket errors, timeouts, non-2xx);
2. streaming `/v1/chat/completions` under the same load, plus a single probe client timing the first
   streamed chunk while wrk runs;
3. server RSS (all worker processes) before and after;
4. baseline in the same run: the engine in-process (N processes, as many threads in all as clients)
   answering the same mix, half the time before the HTTP runs and half after, and the ratio HTTP /
   in-process answers/s. Both sides answer warm (each engine memoises repeated
   questions the same way). Targets on 2 cores, 2 workers, 32 clients: >= 60 answers/s, p95 <= 300 ms,
   0 errors, ratio >= 0.7.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.bench.answer import load_questions
from eval.bench.metrics import percentile

_LUA = """
local bodies = %(bodies)s
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, "%(path)s", nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "errors": %%d, "non_2xx": %%d, "timeouts": %%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, e.timeout))
end
"""


def _lua_string(s: str) -> str:
    return "[==[" + s + "]==]"


def _rss_mb(root: int) -> float:
    """RSS of a process and its descendants (uvicorn's supervisor and workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total_kb, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return round(total_kb / 1024, 1)


def _wrk(
    url: str, path: str, key: str, bodies: list[dict[str, Any]], clients: int, seconds: int
) -> dict[str, Any]:
    exe = shutil.which("wrk")
    if exe is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    script = _LUA % {
        "bodies": "{" + ",".join(_lua_string(json.dumps(b, ensure_ascii=False)) for b in bodies) + "}",
        "key": key,
        "path": path,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(script)
    try:
        out = subprocess.run(
            [exe, "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s", "-s", f.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    r = json.loads(line[len("RESULT ") :])
    ok = r["requests"] - r["non_2xx"]
    return {
        "answers_per_s": round(ok / (r["duration_us"] / 1e6), 1),
        "requests": r["requests"],
        "p50_ms": r["p50_us"] / 1000,
        "p95_ms": r["p95_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "errors": r["errors"] + r["non_2xx"],
    }


def _first_chunk_probe(url: str, key: str, questions: list[str], seconds: float) -> dict[str, Any]:
    """One client, one streamed question after another: ms to the first content chunk, under wrk's load."""
    import httpx

    firsts: list[float] = []
    deadline = time.monotonic() + seconds
    i = 0
    with httpx.Client(timeout=30) as client:
        while time.monotonic() < deadline:
            body = {
                "model": "market-assistant",
                "stream": True,
                "messages": [{"role": "user", "content": questions[i % len(questions)]}],
            }
            i += 1
            t0 = time.perf_counter()
            with client.stream(
                "POST", f"{url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
            ) as r:
                seen = False
                for line in r.iter_lines():  # read to the end: the connection is reused
                    if not seen and line.startswith("data: {") and '"content"' in line:
                        firsts.append((time.perf_counter() - t0) * 1000)
                        seen = True
    return {
        "first_chunk_p50_ms": round(percentile(firsts, 50), 1),
        "first_chunk_p95_ms": round(percentile(firsts, 95), 1),
        "probes": len(firsts),
    }


def _in_process_worker(store: str, questions: list[str], seconds: float, threads: int, queue: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from assistant.config import Settings
    from assistant.engine import Engine

    engine = Engine(Settings(store=Path(store)), progress=False)
    for q in questions:  # warm, as the server's lifespan and wrk's first seconds do
        engine.ask(q)
    deadline = time.monotonic() + seconds

    def loop(offset: int) -> int:
        n = 0
        while time.monotonic() < deadline:
            engine.ask(questions[(offset + n) % len(questions)])
            n += 1
        return n

    with ThreadPoolExecutor(threads) as pool:
        queue.put(sum(pool.map(loop, range(0, threads * 7, 7))))


def in_process(store: Path, questions: list[str], seconds: float, processes: int, clients: int) -> float:
    """Answers/s of `processes` engines answering the mix with `clients` threads in all: the same processes
    and concurrency as the server under wrk, without HTTP (on a shared machine, fewer runnable threads would
    also get a smaller share of the CPU)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    threads = max(1, clients // processes)
    procs = [
        ctx.Process(target=_in_process_worker, args=(str(store), questions, seconds, threads, queue))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    counts = [queue.get() for _ in range(processes)]
    for p in procs:
        p.join()
    return round(sum(counts) / seconds, 1)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(store: Path, key: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import urllib.request

    port = _free_port()
    env = {
        **os.environ,
        "MARKET_ASSISTANT_STORE": str(store),
        "MARKET_ASSISTANT_API_KEYS": json.dumps([{"name": "bench", "key": key, "rate_per_minute": 10**9}]),
    }
    exe = Path(sys.executable).with_name("market-assistant")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not become ready; log: {log}") from None
            time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--store", type=Path, default=None, help="Store folder (default: a temporary one).")
    ap.add_argument(
        "--questions", default=None, help="JSONL with a `question` per line (default: sample cases)."
    )
    args = ap.parse_args(argv)
    questions = load_questions(args.questions)
    answers_bodies = [{"question": q} for q in questions]
    chat_bodies = [
        {"model": "market-assistant", "stream": True, "messages": [{"role": "user", "content": q}]}
        for q in questions
    ]
    key = secrets.token_urlsafe(24)
    result: dict[str, Any] = {
        "seconds": args.seconds,
        "clients": args.clients,
        "workers": args.workers,
        "questions": len(questions),
        "load_average_at_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "store"
        half = max(5.0, args.seconds / 2)
        subprocess.run(
            [sys.executable, "-c", "from assistant.api.serve import prepare_store; prepare_store()"],
            env={**os.environ, "MARKET_ASSISTANT_STORE": str(store)},
            check=True,
        )  # one writer, first
        before = in_process(store, questions, half, args.workers, args.clients)
        proc, url = _start(store, key, args.workers, Path(tmp) / "serve.log")
        try:
            result["server_rss_mb_before"] = _rss_mb(proc.pid)
            _wrk(url, "/v1/answers", key, answers_bodies, args.clients, 3)  # every worker sees every question
            result["answers"] = _wrk(url, "/v1/answers", key, answers_bodies, args.clients, args.seconds)
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1) as pool:
                probe = pool.submit(_first_chunk_probe, url, key, questions, args.seconds - 1)
                stream = _wrk(url, "/v1/chat/completions", key, chat_bodies, args.clients, args.seconds)
                stream.update(probe.result())
            result["streaming_chat"] = stream
            result["server_rss_mb_after"] = _rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        after = in_process(store, questions, half, args.workers, args.clients)
    result["in_process_answers_per_s"] = {
        "before": before,
        "after": after,
        "mean": round((before + after) / 2, 1),
    }
    result["http_over_in_process"] = round(
        result["answers"]["answers_per_s"] / max(0.1, (before + after) / 2), 2
    )
    result["load_average_at_end"] = os.getloadavg()
    result["targets"] = {"answers_per_s": 60, "p95_ms": 300, "errors": 0, "http_over_in_process": 0.7}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`/v1/answers`, models, snapshots, sessions, health and readiness. Chat completions live in `chat.py`.

Client session ids are stored under the key's id (`<key_id>:<session_id>`), so two clients using the same id
never see each other's turns: another key's session is simply not found.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assistant.answer.schema import Answer
from assistant.api.auth import Client
from assistant.api.engines import EnginePool
from assistant.api.errors import ApiError, documented, from_product_error
from assistant.api.models import (
    SESSION_PATTERN,
    AnswerRequest,
    Health,
    Model,
    ModelList,
    Readiness,
    SessionView,
    SnapshotList,
    SnapshotView,
    TurnView,
)
from assistant.api.ratelimit import LimitedClient
from assistant.engine import Engine
from assistant.errors import MarketAssistantError

MODEL_NAME = "market-assistant"
router = APIRouter()
AUTH_ERRORS = (401, 429, 500)
PathSessionId = Annotated[str, Path(pattern=SESSION_PATTERN, description="The id the client chose.")]


def scoped(client: Client, session_id: str | None) -> str | None:
    return None if session_id is None else f"{client.key_id}:{session_id}"


def pool_of(request: Request) -> EnginePool:
    return request.app.state.engines  # type: ignore[no-any-return]


def run_to_answer(engine: Engine, question: str, session_id: str | None, history: list[str]) -> Answer:
    """Drain `Engine.ask_stream` (one code path for plain and streamed answers)."""
    items: list[Any] = []
    try:
        items = list(engine.ask_stream(question, session_id, history))
    except MarketAssistantError as err:
        raise from_product_error(err) from err
    final = items[-1] if items else None
    assert isinstance(final, Answer)
    return final


def note_question(request: Request, question: str) -> None:
    if request.app.state.settings.api_log_questions:
        request.state.question = question


@router.post(
    "/v1/answers",
    response_model=Answer,
    tags=["answers"],
    responses=documented(400, 404, 413, 422, *AUTH_ERRORS, 502),
    summary="Answer one question; the answer object, exactly as `ask --json` prints it.",
)
async def answers(body: AnswerRequest, request: Request, client: LimitedClient) -> Response:
    engine = pool_of(request).get(body.snapshot)
    note_question(request, body.question)
    answer = await run_in_threadpool(
        run_to_answer, engine, body.question, scoped(client, body.session_id), []
    )
    headers = {"X-Session-Id": body.session_id} if body.session_id else None
    return Response(answer.model_dump_json(), media_type="application/json", headers=headers)


@router.get("/v1/models", response_model=ModelList, tags=["chat"], responses=documented(*AUTH_ERRORS))
async def models(client: LimitedClient) -> ModelList:
    return ModelList(data=[Model(id=MODEL_NAME, created=0, owned_by="market-assistant")])


@router.get(
    "/v1/snapshots", response_model=SnapshotList, tags=["answers"], responses=documented(*AUTH_ERRORS)
)
async def snapshots(request: Request, client: LimitedClient) -> SnapshotList:
    """The snapshot names a request may pass as `snapshot`, with their data dates."""
    views = []
    for name, engine in pool_of(request).items():
        info = engine.md.info
        views.append(
            SnapshotView(
                name=name,
                origin=str(info.origin),
                trade_date=str(info.trade_date),
                as_of=info.as_of.isoformat(),
            )
        )
    return SnapshotList(data=views)


def _session_or_404(engine: Engine, sid: str) -> None:
    if not engine.sessions.exists(sid):
        raise ApiError(404, "session_not_found", "No such session for this key.")


@router.get(
    "/v1/sessions/{session_id}",
    response_model=SessionView,
    tags=["sessions"],
    responses=documented(404, 422, *AUTH_ERRORS),
)
async def get_session(session_id: PathSessionId, request: Request, client: LimitedClient) -> SessionView:
    engine, sid = pool_of(request).default, f"{client.key_id}:{session_id}"
    await run_in_threadpool(_session_or_404, engine, sid)
    turns = await run_in_threadpool(engine.sessions.turns, sid)
    return SessionView(
        id=session_id,
        turns=[
            TurnView(question=t.question, answer=t.answer(), created_at=t.created_at.isoformat())
            for t in turns
        ],
    )


@router.delete(
    "/v1/sessions/{session_id}",
    status_code=204,
    tags=["sessions"],
    responses=documented(404, 422, *AUTH_ERRORS),
)
async def delete_session(session_id: PathSessionId, request: Request, client: LimitedClient) -> Response:
    engine, sid = pool_of(request).default, f"{client.key_id}:{session_id}"
    if not await run_in_threadpool(engine.sessions.delete, sid):
        raise ApiError(404, "session_not_found", "No such session for this key.")
    return Response(status_code=204)


@router.get("/healthz", response_model=Health, tags=["operations"])
async def healthz() -> Health:
    """The process is up (no dependency checked)."""
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    tags=["operations"],
    responses={503: {"model": Readiness, "description": "A dependency is not reachable."}},
)
async def readyz(request: Request) -> JSONResponse:
    """Engines warmed, data loaded, store reachable, and Redis and the Chroma server when configured."""
    checks = await run_in_threadpool(_checks, request.app.state)
    ok = all(checks.values())
    return JSONResponse(
        Readiness(status="ready" if ok else "not_ready", checks=checks).model_dump(),
        status_code=200 if ok else 503,
    )


def _checks(state: Any) -> dict[str, bool]:
    pool: EnginePool = state.engines
    checks = {"engines": pool.ready}
    if not pool.ready:
        return checks
    checks["data"] = all(e.md.info is not None for _, e in pool.items())
    checks["store"] = _safe(lambda: pool.default.searcher.store.collection.count() >= 0)
    if state.settings.chroma_url:
        checks["chroma"] = _safe(lambda: bool(pool.default.searcher.store.client.heartbeat()))
    if state.settings.redis_url:
        checks["redis"] = _safe(state.limiter.reachable) and _safe(pool.default.sessions.ping)
    return checks


def _safe(check: Any) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - readiness reports, it does not raise
        return False

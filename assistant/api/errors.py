"""Every error the API returns has one JSON shape (OpenAI's, so the `openai` SDK surfaces it as is):
`{"error": {"type", "code", "message", "request_id", "details"?}}` with the request id also in `X-Request-Id`.

Bad input is a 4xx with a precise message; only a bug is a 500, and that one carries the request id the
log line with the traceback also holds (see `context.RequestContext`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from assistant.errors import InputError, MarketAssistantError, NotFoundError, UpstreamError


class ErrorDetail(BaseModel):
    type: str
    code: str
    message: str
    request_id: str | None = None
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """Raised by routes and dependencies; rendered by `api_error_handler`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.details = (
            status,
            code,
            message,
            headers,
            details,
        )


_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    502: "upstream_error",
    503: "unavailable",
    500: "server_error",
}


def error_json(
    status: int, code: str, message: str, request_id: str | None, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body = ErrorDetail(
        type=_TYPES.get(status, "invalid_request_error"),
        code=code,
        message=message,
        request_id=request_id,
        details=details,
    )
    return {"error": body.model_dump(exclude_none=True)}


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        error_json(exc.status, exc.code, exc.message, request_id_of(request), exc.details),
        status_code=exc.status,
        headers=exc.headers,
    )


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """Malformed JSON is a 400 (`invalid_json`); a well-formed body of the wrong shape or types a 422."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        return JSONResponse(
            error_json(
                400, "invalid_json", "The request body is not valid JSON.", request_id_of(request), errors
            ),
            status_code=400,
        )
    where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
    return JSONResponse(
        error_json(
            422,
            "invalid_body",
            f"The request body does not match the schema: {where}",
            request_id_of(request),
            errors,
        ),
        status_code=422,
    )


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown route, wrong method, an undecodable body) in the one error shape."""
    assert isinstance(exc, StarletteHTTPException)
    codes = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed"}
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:  # Starlette lists only the first matching route's methods
        methods = {
            m
            for route in request.app.routes
            if route.matches(request.scope)[0] != Match.NONE
            for m in getattr(route, "methods", None) or ()
        }
        headers["Allow"] = ", ".join(sorted(methods))
    return JSONResponse(
        error_json(
            exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), request_id_of(request)
        ),
        status_code=exc.status_code,
        headers=headers or None,
    )


def from_product_error(err: MarketAssistantError) -> ApiError:
    """The product's own errors, by what the caller can do about them (see assistant/errors.py)."""
    if isinstance(err, NotFoundError):
        return ApiError(404, "not_found", str(err))
    if isinstance(err, UpstreamError):
        return ApiError(502, "upstream_error", str(err))
    if isinstance(err, InputError):
        return ApiError(422, "invalid_input", str(err))
    return ApiError(422, "invalid_input", str(err))


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, all with the one error schema."""
    text = {
        400: "Malformed JSON body.",
        401: "Missing or unknown API key.",
        404: "Unknown model, snapshot or session.",
        413: "Request body over the limit.",
        422: "Body of the wrong shape or types, or an unusable question.",
        429: "Over the key's rate limit; see Retry-After.",
        500: "Unexpected error; quote the request id.",
        502: "A live data source failed.",
        503: "Not ready.",
    }
    return {s: {"model": ErrorBody, "description": text[s]} for s in statuses}

"""Domain exceptions, and their rendering as RFC 9457 problem+json for the API."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Marks a title for the catalogue; the error page translates it when it shows it."""
    return message


class Term(str):
    """A message's value that is a msgid itself (a role's name), translated with the message;
    in the English text (the API's) it reads as written."""

    __slots__ = ()


# The error page translates a message by its English text: pybabel finds the messages as the
# first argument of these classes (the second of Invalid), by the `-k` keywords in babel.cfg.


class DomainError(Exception):
    status = 400
    title = N_("Bad request")
    # Most errors roll the request's transaction back; an error that is itself the record of
    # an event (a failed sign-in, counted for throttling and audited) keeps what was written.
    keep_changes = False

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **values: Any
    ) -> None:
        """`detail` is the msgid; a message with values names them (`"site %(id)s not found",
        id=5`) rather than being an f-string, so that pages can show it translated."""
        shown = detail % values if values else detail
        super().__init__(shown)
        self.detail = shown
        self.message = detail
        self.values = values
        self.headers = headers or {}

    def errors(self) -> list[dict[str, Any]]:
        return []

    def shown(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of `gettext`."""
        return _translated(gettext, self.message, self.values)


class NotFound(DomainError):
    status = 404
    title = N_("Not found")


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")


class Unauthorized(DomainError):
    status = 401
    title = N_("Not signed in")


class LoginFailed(Unauthorized):
    keep_changes = True


class Conflict(DomainError):
    status = 409
    title = N_("Conflict")


class TooManyRequests(DomainError):
    status = 429
    title = N_("Too many requests")

    def __init__(self, detail: str, *, retry_after: int, **values: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **values)
        self.retry_after = retry_after


class Invalid(DomainError):
    """A field-specific problem with the input: names the field and says what is wrong."""

    status = 422
    title = N_("Invalid input")

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        more: Sequence[tuple[str, str] | tuple[str, str, Mapping[str, Any]]] = (),
        **values: Any,
    ) -> None:
        """`values` fill the first reason's `%(name)s` places; each of `more` is a (field,
        reason) or a (field, reason, values)."""
        reasons = [(field, reason, values)]
        reasons += [(m[0], m[1], m[2] if len(m) > 2 else {}) for m in more]  # type: ignore[misc]
        problems = [(f, r % v if v else r) for f, r, v in reasons]
        super().__init__("; ".join(f"{f}: {r}" for f, r in problems))
        self.field = field
        self.reason = problems[0][1]
        self.problems = problems
        self.reasons = reasons

    def errors(self) -> list[dict[str, Any]]:
        return [{"field": f, "message": r} for f, r in self.problems]

    def shown(self, gettext: Callable[[str], str]) -> str:
        return "; ".join(
            f"{field}: {_translated(gettext, reason, values)}"
            for field, reason, values in self.reasons
        )

    def shown_reason(self, gettext: Callable[[str], str]) -> str:
        """The first problem's reason alone, for the message beside its field."""
        _, reason, values = self.reasons[0]
        return _translated(gettext, reason, values)

    @classmethod
    def from_validation(cls, exc: ValidationError) -> Invalid:
        """A pydantic error raised inside a service (e.g. a merged edit) as a field-named 422."""
        return cls.from_errors(exc.errors()) if exc.errors() else cls("body", str(exc))

    @classmethod
    def from_errors(cls, errors: Sequence[Mapping[str, Any]]) -> Invalid:
        """pydantic's errors (of a model or a request) as Vigil's messages, translatable."""
        from vigil.core.validation_messages import problem_of

        (field, reason, values), *rest = [problem_of(e) for e in errors]
        return cls(field, reason, more=rest, **values)


def _translated(gettext: Callable[[str], str], message: str, values: Mapping[str, Any]) -> str:
    text = gettext(message)
    if not values:
        return text
    values = {k: gettext(v) if isinstance(v, Term) else v for k, v in values.items()}
    try:
        return text % values
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return message % values


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    instance: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def field_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error's location as the form field or JSON path it names."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"field": field_path(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]


NUMERIC_VALUE_OUT_OF_RANGE = "22003"  # SQLSTATE
STRING_DATA_RIGHT_TRUNCATION = "22001"  # SQLSTATE: a text longer than its VARCHAR column
UNSTORABLE_STATES = {NUMERIC_VALUE_OUT_OF_RANGE, STRING_DATA_RIGHT_TRUNCATION}


def is_unstorable_input(exc: Exception) -> bool:
    """A value from the request that the database refuses to store: input, not a server fault.

    SQLite's driver refuses integers beyond 64 bits before the query is sent (OverflowError);
    PostgreSQL refuses them beyond its column's range (32 bits for INTEGER ids) with SQLSTATE
    22003, a text longer than its VARCHAR column with 22001 (SQLite stores it whole), and
    psycopg refuses a text with a NUL character before sending it (a DataError of the driver,
    which carries no SQLSTATE). Schemas check these first, naming the field; this handler is
    the net under every id, count and text of every route and payload that a schema missed.
    """
    if isinstance(exc, OverflowError):
        return True
    if not isinstance(exc, DataError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    refused_by_driver = sqlstate is None and "NUL" in str(exc.orig)
    return sqlstate in UNSTORABLE_STATES or refused_by_driver


def install(app: FastAPI) -> None:
    """Problem+json for /api and /taxii2; pages register their own HTML handlers on top."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Any:
        handler = request.app.state.page_error_handler
        if handler and not _is_api(request):
            return handler(request, exc.status, exc.title, exc)
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            errors=exc.errors(),
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Any:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        handler = request.app.state.page_error_handler
        if handler and not _is_api(request):
            return handler(request, 422, N_("Invalid input"), Invalid.from_errors(exc.errors()))
        return problem(422, "Invalid input", detail, instance=request.url.path, errors=errors)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: Exception) -> Any:
        if not is_unstorable_input(exc):
            raise exc
        detail = N_(
            "The request holds a value Vigil cannot store: a number beyond the range of any id "
            "or count, a text longer than its field allows, or a text with a NUL character."
        )
        handler = request.app.state.page_error_handler
        if handler and not _is_api(request):
            return handler(request, 422, N_("Invalid input"), detail)
        return problem(422, "Invalid input", detail, instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        handler = request.app.state.page_error_handler
        titles = {
            404: N_("Not found"),
            405: N_("Method not allowed"),
            413: N_("Request body too large"),
        }
        title = titles.get(exc.status_code, N_("Error"))
        detail = str(exc.detail)
        if handler and not _is_api(request):
            return handler(request, exc.status_code, title, detail)
        return problem(
            exc.status_code,
            title,
            detail,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/taxii2")

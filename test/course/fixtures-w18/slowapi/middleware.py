# Stand-in for slowapi.middleware (see __init__.py): the default limits for routes with none of their own.
import inspect

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.routing import Match

from slowapi import _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded


class SlowAPIMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        app = request.scope["app"]
        limiter = app.state.limiter
        handler = None
        for route in app.router.routes:
            if route.matches(request.scope)[0] == Match.FULL:
                handler = getattr(route, "endpoint", None)
                break
        if handler is not None and limiter._default_limits:
            name = f"{handler.__module__}.{handler.__name__}"
            if name not in limiter._exempt_routes and name not in limiter._route_limits:
                try:
                    limiter._hit(f"default:{name}", request, limiter._default_limits)
                except RateLimitExceeded as exc:
                    on_limit = app.exception_handlers.get(RateLimitExceeded, _rate_limit_exceeded_handler)
                    response = on_limit(request, exc)
                    return await response if inspect.isawaitable(response) else response
        return await call_next(request)

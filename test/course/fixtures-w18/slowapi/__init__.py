# A stand-in for slowapi (https://github.com/laurentS/slowapi, MIT), which Debian does not package and CI
# cannot download: the part of its API the week-18 app uses, with the same behaviour: Limiter(key_func,
# default_limits), @limiter.limit("N/period") (which, like slowapi, refuses at import a function without a
# `request` argument), @limiter.exempt, RateLimitExceeded, SlowAPIMiddleware applying the default limits to
# routes with no limit of their own. Fixed windows per route and client key, as slowapi's default strategy.
import asyncio
import functools
import inspect
import re
import threading
import time

from slowapi.errors import RateLimitExceeded

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class _Limit:
    def __init__(self, text):
        m = re.fullmatch(r"\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?\s*", text)
        if not m:
            raise ValueError(f"couldn't parse rate limit string '{text}'")
        self.amount, self.period, self.text = int(m.group(1)), _PERIODS[m.group(2)], text

    def __str__(self):
        return f"{self.amount} per {self.period} second(s)"


def _name(func):
    return f"{func.__module__}.{func.__name__}"


class Limiter:
    def __init__(self, key_func, default_limits=(), enabled=True, **_ignored):
        self._key_func = key_func
        self._default_limits = [_Limit(t) for t in default_limits]
        self._route_limits = {}
        self._exempt_routes = set()
        self.enabled = enabled
        self._hits = {}
        self._lock = threading.Lock()

    def _hit(self, scope, request, limits):
        if not self.enabled:
            return
        key = self._key_func(request)
        now = time.time()
        with self._lock:
            for limit in limits:
                window = int(now // limit.period)
                slot = (scope, key, limit.text, window)
                count = self._hits.get(slot, 0) + 1
                self._hits[slot] = count
                if count > limit.amount:
                    raise RateLimitExceeded(limit)

    def limit(self, limit_value, **_ignored):
        limit = _Limit(limit_value)

        def decorator(func):
            params = list(inspect.signature(func).parameters)
            if "request" not in params and "websocket" not in params:
                raise Exception(f'No "request" or "websocket" argument on function "{func}"')
            name = _name(func)
            self._route_limits.setdefault(name, []).append(limit)

            def request_of(args, kwargs):
                for arg in ("request", "websocket"):
                    if arg in kwargs:
                        return kwargs[arg]
                return args[params.index("request" if "request" in params else "websocket")]

            if asyncio.iscoroutinefunction(func):

                @functools.wraps(func)
                async def async_wrapper(*args, **kwargs):
                    self._hit(name, request_of(args, kwargs), self._route_limits[name])
                    return await func(*args, **kwargs)

                return async_wrapper

            @functools.wraps(func)
            def sync_wrapper(*args, **kwargs):
                self._hit(name, request_of(args, kwargs), self._route_limits[name])
                return func(*args, **kwargs)

            return sync_wrapper

        return decorator

    def exempt(self, func):
        self._exempt_routes.add(_name(func))
        return func


def _rate_limit_exceeded_handler(request, exc):
    from starlette.responses import JSONResponse

    return JSONResponse({"error": f"Rate limit exceeded: {exc.detail}"}, status_code=429)

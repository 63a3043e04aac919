# Stand-in for slowapi.errors (see __init__.py).
from fastapi import HTTPException


class RateLimitExceeded(HTTPException):
    def __init__(self, limit=None):
        self.limit = limit
        super().__init__(status_code=429, detail=str(limit))

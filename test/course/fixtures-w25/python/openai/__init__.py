"""A stand-in for the `openai` Python package (1.x), for week 25's test only.

openai is not packaged by Debian and PyPI cannot be reached in CI. This module has the small part of the
real client that the lab's code calls, with the same names and behaviour: OpenAI(api_key=..., base_url=...)
taking OPENAI_API_KEY and OPENAI_BASE_URL from the environment and refusing to start without a key (the
real message), client.embeddings.create (asking for base64 float32 vectors, as the real client does, and
decoding them), client.chat.completions.create, client.models.list, and the exception classes
(OpenAIError, APIStatusError and its subclasses with the real "Error code: 401 - {...}" text,
APIConnectionError). It speaks the OpenAI REST protocol over HTTP (urllib) to whatever server
OPENAI_BASE_URL names: in the test, the stand-in server fixtures-w25/fake-openai.ts.
"""
import base64
import json
import os
import struct
import urllib.error
import urllib.request
from types import SimpleNamespace

__version__ = "1.57.0+ailab.stand.in"


class OpenAIError(Exception):
    pass


class APIError(OpenAIError):
    def __init__(self, message, body=None):
        super().__init__(message)
        self.message = message
        self.body = body


class APIConnectionError(APIError):
    def __init__(self, message="Connection error."):
        super().__init__(message)


class APIStatusError(APIError):
    def __init__(self, message, status_code, body):
        super().__init__(message, body)
        self.status_code = status_code


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


_BY_STATUS = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
              429: RateLimitError}


def _obj(value):
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _obj(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_obj(v) for v in value]
    return value


class OpenAI:
    def __init__(self, api_key=None, base_url=None, timeout=600.0, max_retries=2, **_):
        if api_key is None:
            api_key = os.environ.get("OPENAI_API_KEY")
        if api_key is None:
            raise OpenAIError(
                "The api_key client option must be set either by passing api_key to the client or by setting "
                "the OPENAI_API_KEY environment variable"
            )
        self.api_key = api_key
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")
        self.timeout = timeout
        self.embeddings = _Embeddings(self)
        self.chat = SimpleNamespace(completions=_Completions(self))
        self.models = _Models(self)

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.api_key}")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return json.loads(res.read())
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
            cls = _BY_STATUS.get(e.code, InternalServerError if e.code >= 500 else APIStatusError)
            raise cls(f"Error code: {e.code} - {parsed}", e.code, parsed) from None
        except (urllib.error.URLError, OSError):
            raise APIConnectionError() from None


class _Embeddings:
    def __init__(self, client):
        self._client = client

    def create(self, *, model, input, encoding_format=None, **extra):
        body = {"model": model, "input": input, **extra}
        # Like the real client: base64 unless told otherwise, decoded back into lists of floats.
        body["encoding_format"] = encoding_format or "base64"
        res = self._client._request("POST", "/embeddings", body)
        if encoding_format is None:
            for item in res["data"]:
                raw = base64.b64decode(item["embedding"])
                item["embedding"] = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        return _obj(res)


class _Completions:
    def __init__(self, client):
        self._client = client

    def create(self, *, model, messages, **extra):
        return _obj(self._client._request("POST", "/chat/completions", {"model": model, "messages": messages, **extra}))


class _Models:
    def __init__(self, client):
        self._client = client

    def list(self):
        return _obj(self._client._request("GET", "/models"))

# Week 18, step 1: a model API secured with JWT users, API keys and rate limits (app/main.py).
# The course's app, with its mistakes fixed (ailab):
# - fixed: the secrets were literals ("change-me", "super-secret") and the exported JWT_SECRET / API_KEY, the
#   `docker run -e` values and the Kubernetes Secrets were ignored: they are read from the environment, and the
#   app refuses to start without them;
# - fixed: /predict depended on BOTH a bearer token and an API key, so the documented "Bearer token path" got
#   403 "Invalid API key" and the "API key path" 401 "Not authenticated": either credential is enough now
#   (no credential: 401; a wrong key: 403; a bad, forged or expired token: 401 "Invalid token");
# - fixed: @limiter.limit needs the `request` argument (slowapi raises at import without it), and the promised
#   global default of 60/minute was never configured: default_limits + SlowAPIMiddleware; health probes exempt;
# - fixed: passlib 1.7.4 breaks with bcrypt >= 4.1 (and raises "password cannot be longer than 72 bytes" with
#   bcrypt 5): bcrypt is used directly. python-jose is replaced by PyJWT (FastAPI's tutorial moved to it;
#   the calls are the same: jwt.encode / jwt.decode);
# - fixed: tokens without `sub` or `exp` are refused; the API key is compared in constant time.
import hmac
import os
import time
from typing import Optional

import bcrypt
import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

# FastAPI app + rate limiter
limiter = Limiter(key_func=get_remote_address, default_limits=["60/minute"])
app = FastAPI()
app.state.limiter = limiter
app.add_middleware(SlowAPIMiddleware)


@app.exception_handler(RateLimitExceeded)
def rate_limit_handler(request, exc):
    return JSONResponse(status_code=429, content={"detail": "Rate limit exceeded"})


# Secrets come from the environment (export, docker run -e, a Kubernetes Secret), never from the code
SECRET_KEY = os.environ.get("JWT_SECRET", "")
API_KEY = os.environ.get("API_KEY", "")
if not SECRET_KEY or not API_KEY:
    raise RuntimeError("set JWT_SECRET and API_KEY in the environment (e.g. export JWT_SECRET=$(openssl rand -hex 32))")
ALGORITHM = "HS256"


def hash_password(password: str) -> bytes:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt())


# Demo users (use OIDC in production: see the hardening checklist)
fake_users = {
    "alice": {"username": "alice", "hashed_pw": hash_password("alicepass")},
    "admin": {"username": "admin", "hashed_pw": hash_password("adminpass")},
}

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


class Token(BaseModel):
    access_token: str
    token_type: str


class Features(BaseModel):
    features: list[float]


def authenticate_user(username, password):
    user = fake_users.get(username)
    if not user or not bcrypt.checkpw(password.encode(), user["hashed_pw"]):
        return None
    return user


def create_access_token(data: dict, expires_in: int = 3600):
    payload = data.copy()
    payload.update({"exp": int(time.time()) + expires_in})
    return jwt.encode(payload, SECRET_KEY, algorithm=ALGORITHM)


async def get_current_user(token: Optional[str] = Depends(oauth2_scheme)) -> Optional[str]:
    if token is None:
        return None
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return payload["sub"]


async def get_api_key(api_key: Optional[str] = Security(api_key_header)) -> Optional[str]:
    if api_key is None:
        return None
    if hmac.compare_digest(api_key.encode(), API_KEY.encode()):
        return api_key
    raise HTTPException(status_code=403, detail="Invalid API key")


async def get_caller(
    user: Optional[str] = Depends(get_current_user),
    api_key: Optional[str] = Depends(get_api_key),
) -> str:
    # A user's bearer token OR a service's API key
    if user:
        return f"user:{user}"
    if api_key:
        return "service"
    raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})


# Routes
@app.post("/token", response_model=Token)
async def login(form: OAuth2PasswordRequestForm = Depends()):
    user = authenticate_user(form.username, form.password)
    if not user:
        raise HTTPException(status_code=401, detail="Bad credentials")
    token = create_access_token({"sub": form.username})
    return {"access_token": token, "token_type": "bearer"}


@app.get("/healthz")
@limiter.exempt
def health():
    return {"status": "ok"}


@app.get("/readyz")
@limiter.exempt
def ready():
    return {"status": "ready"}


@app.post("/predict")
@limiter.limit("30/minute")
async def predict(request: Request, data: Features, caller: str = Depends(get_caller)):
    # Demo "model": sum of features
    score = sum(data.features)
    return {"prediction": "class_A" if score > 5 else "class_B"}

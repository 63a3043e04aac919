# The course's app/main.py, verbatim (course text lines 7334-7427; non-breaking spaces of blank lines removed).
# The week-18 test runs it, with only its import-time failures patched, to show what the lab's fixes change.
from fastapi import FastAPI, Depends, HTTPException, status, Security
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, APIKeyHeader
from pydantic import BaseModel
from jose import JWTError, jwt
from passlib.context import CryptContext
from slowapi import Limiter
from slowapi.util import get_remote_address
from slowapi.errors import RateLimitExceeded
from fastapi.responses import JSONResponse
import time

# FastAPI app + rate limiter
limiter = Limiter(key_func=get_remote_address)
app = FastAPI()
app.state.limiter = limiter

@app.exception_handler(RateLimitExceeded)
def rate_limit_handler(request, exc):
    return JSONResponse(status_code=429, content={"detail": "Rate limit exceeded"})

# Demo secrets
SECRET_KEY = "change-me"
ALGORITHM = "HS256"
API_KEY = "super-secret"

# Password hashing
pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")

# Demo users
fake_users = {
    "alice": {"username": "alice", "hashed_pw": pwd_context.hash("alicepass")},
    "admin": {"username": "admin", "hashed_pw": pwd_context.hash("adminpass")}
}

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)

class Token(BaseModel):
    access_token: str
    token_type: str

class Features(BaseModel):
    features: list[float]

def authenticate_user(username, password):
    user = fake_users.get(username)
    if not user or not pwd_context.verify(password, user["hashed_pw"]):
        return None
    return user

def create_access_token(data: dict, expires_in: int = 3600):
    payload = data.copy()
    payload.update({"exp": time.time() + expires_in})
    return jwt.encode(payload, SECRET_KEY, algorithm=ALGORITHM)

async def get_current_user(token: str = Depends(oauth2_scheme)):
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        return payload.get("sub")
    except JWTError:
        raise HTTPException(status_code=401, detail="Invalid token")

async def get_api_key(api_key: str = Security(api_key_header)):
    if api_key == API_KEY:
        return api_key
    raise HTTPException(status_code=403, detail="Invalid API key")

# Routes
@app.post("/token", response_model=Token)
async def login(form: OAuth2PasswordRequestForm = Depends()):
    user = authenticate_user(form.username, form.password)
    if not user:
        raise HTTPException(status_code=401, detail="Bad credentials")
    token = create_access_token({"sub": form.username})
    return {"access_token": token, "token_type": "bearer"}

@app.get("/healthz")
def health():
    return {"status": "ok"}

@app.get("/readyz")
def ready():
    return {"status": "ready"}

@app.post("/predict")
@limiter.limit("30/minute")
async def predict(
    data: Features,
    user: str = Depends(get_current_user),
    api_key: str = Depends(get_api_key)
):
    # Demo "model": sum of features
    score = sum(data.features)
    return {"prediction": "class_A" if score > 5 else "class_B"}

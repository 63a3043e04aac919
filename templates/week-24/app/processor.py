# Course step 6: the stream processor - validate -> aggregate (tumbling windows per user) -> emit features.
#
# Note (fault injection, course step 9): offsets are committed after every poll while the open windows
# live in memory. A processor that is killed resumes from its committed offsets, but the events of the
# windows it had not emitted yet are lost (at-most-once for them). Durable state (Redis, RocksDB: a
# stretch goal) or committing only what emitted windows cover would keep them.
import json, os, signal, time
from collections import defaultdict
from datetime import datetime, timezone
from typing import Literal
from dateutil import parser as dtparser
from pydantic import BaseModel, Field, ValidationError
from kafka import KafkaConsumer, KafkaProducer

BOOTSTRAP = os.getenv("BOOTSTRAP", "localhost:9092")
SRC_TOPIC = os.getenv("SRC_TOPIC", "transactions")
SINK_TOPIC = os.getenv("SINK_TOPIC", "features")
DLQ_TOPIC = os.getenv("DLQ_TOPIC", "dlq-transactions")  # optional
WINDOW_SEC = int(os.getenv("WINDOW_SEC", "60"))
# fixed: the experiments change the group and the flush interval, which the course hard-coded.
GROUP_ID = os.getenv("GROUP_ID", "processor-1")
FLUSH_SEC = float(os.getenv("FLUSH_SEC", "5"))

class Txn(BaseModel):
    event_time: str
    user_id: int = Field(ge=1)
    # fixed: the course's `event_type: str` and `amount: float` accepted any type and a negative
    # amount, so the DLQ check (a negative amount) never sent anything to dlq-transactions.
    event_type: Literal["view", "add_to_cart", "purchase"]
    amount: float = Field(ge=0)
    device: str
    country: str

def epoch_minute(ts_iso: str) -> int:
    ts = dtparser.isoparse(ts_iso)
    return int(ts.timestamp() // WINDOW_SEC) * WINDOW_SEC

# fixed: no value_deserializer/key_deserializer. A message that is not JSON made the course's
# deserializer raise inside consumer.poll(), which killed the processor - and, its offset never
# committed, killed it again at every restart. The bytes are decoded below, inside the try.
consumer = KafkaConsumer(
    SRC_TOPIC,
    bootstrap_servers=BOOTSTRAP,
    group_id=GROUP_ID,
    auto_offset_reset="earliest",
    enable_auto_commit=False,
    max_poll_records=200
)

producer = KafkaProducer(
    bootstrap_servers=BOOTSTRAP,
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
)

# state: (user_id, window_start) -> counters
state = defaultdict(lambda: {"event_count":0, "purchase_count":0, "revenue":0.0})

last_flush = time.time()

def flush_ready(now_epoch: int):
    """Flush windows that ended before current window."""
    to_delete = []
    for (user_id, win_start), agg in state.items():
        if win_start + WINDOW_SEC <= now_epoch - 1:
            out = {
                "user_id": user_id,
                "window_start": win_start,
                "window_end": win_start + WINDOW_SEC,
                "event_count": agg["event_count"],
                "purchase_count": agg["purchase_count"],
                "revenue": round(agg["revenue"], 2),
                "emitted_at": datetime.now(timezone.utc).isoformat()
            }
            producer.send(SINK_TOPIC, value=out)
            to_delete.append((user_id, win_start))
    for k in to_delete:
        del state[k]

def to_dlq(error, reason, raw: bytes):
    try:
        payload = json.loads(raw)
    except (TypeError, ValueError):
        payload = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    producer.send(DLQ_TOPIC, value={"error": error, "reason": reason, "payload": payload})

def stop(*_):
    raise KeyboardInterrupt

# fixed: SIGTERM (kill, ailab, docker stop) flushes and commits like Ctrl+C.
signal.signal(signal.SIGTERM, stop)
print(f"Processor {GROUP_ID}: {SRC_TOPIC} -> {SINK_TOPIC} ({WINDOW_SEC}s windows), DLQ {DLQ_TOPIC}", flush=True)

try:
    while True:
        records = consumer.poll(timeout_ms=1000)
        if not records:
            flush_ready(int(time.time()))
            continue

        for tp, msgs in records.items():
            for msg in msgs:
                try:
                    value = json.loads(msg.value)
                    if not isinstance(value, dict):
                        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
                    txn = Txn(**value)
                    win = epoch_minute(txn.event_time)
                    key = (txn.user_id, win)
                    st = state[key]
                    st["event_count"] += 1
                    if txn.event_type == "purchase":
                        st["purchase_count"] += 1
                        st["revenue"] += float(txn.amount)
                except ValidationError as e:
                    # fixed: e.json() is JSON in pydantic 1 and 2 (e.errors() may hold exceptions).
                    to_dlq("validation_error", json.loads(e.json()), msg.value)
                except (ValueError, TypeError, OverflowError) as e:
                    # not JSON, not an object, or an event_time dateutil cannot read
                    to_dlq("deserialization_error", str(e), msg.value)

        consumer.commit()
        now = time.time()
        if now - last_flush > FLUSH_SEC:  # flush every ~FLUSH_SEC s
            flush_ready(int(now))
            last_flush = now

except KeyboardInterrupt:
    flush_ready(int(time.time()))
    consumer.commit()
    producer.flush()

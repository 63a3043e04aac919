# The course's processor.py, verbatim (course lines 10105-10204), for the test that shows its mistakes.
import json, os, time
from collections import defaultdict
from datetime import datetime, timezone
from dateutil import parser as dtparser
from pydantic import BaseModel, Field, ValidationError
from kafka import KafkaConsumer, KafkaProducer

BOOTSTRAP = os.getenv("BOOTSTRAP", "localhost:9092")
SRC_TOPIC = os.getenv("SRC_TOPIC", "transactions")
SINK_TOPIC = os.getenv("SINK_TOPIC", "features")
DLQ_TOPIC = os.getenv("DLQ_TOPIC", "dlq-transactions")  # optional
WINDOW_SEC = int(os.getenv("WINDOW_SEC", "60"))

class Txn(BaseModel):
    event_time: str
    user_id: int = Field(ge=1)
    event_type: str
    amount: float
    device: str
    country: str

def epoch_minute(ts_iso: str) -> int:
    ts = dtparser.isoparse(ts_iso)
    return int(ts.timestamp() // WINDOW_SEC) * WINDOW_SEC

consumer = KafkaConsumer(
    SRC_TOPIC,
    bootstrap_servers=BOOTSTRAP,
    group_id="processor-1",
    value_deserializer=lambda v: json.loads(v.decode("utf-8")),
    key_deserializer=lambda k: int(k.decode("utf-8")) if k else None,
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

try:
    while True:
        records = consumer.poll(timeout_ms=1000)
        if not records:
            flush_ready(int(time.time()))
            continue

        for tp, msgs in records.items():
            for msg in msgs:
                try:
                    txn = Txn(**msg.value)
                    win = epoch_minute(txn.event_time)
                    key = (txn.user_id, win)
                    st = state[key]
                    st["event_count"] += 1
                    if txn.event_type == "purchase":
                        st["purchase_count"] += 1
                        st["revenue"] += float(txn.amount)
                except ValidationError as e:
                    # optional DLQ
                    producer.send(DLQ_TOPIC, value={
                        "error": "validation_error",
                        "reason": e.errors(),
                        "payload": msg.value
                    })

        consumer.commit()
        now = time.time()
        if now - last_flush > 5:  # flush every ~5s
            flush_ready(int(now))
            last_flush = now

except KeyboardInterrupt:
    flush_ready(int(time.time()))
    consumer.commit()

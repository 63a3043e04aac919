# Course step 8, "DLQ": bad events for the processor to route to dlq-transactions. The course says to edit
# producer.py to emit a negative amount now and then; this script sends them on purpose instead, so the
# producer stays as given: a negative amount, an unknown event type, a user_id of 0, and bytes that are
# not JSON. Each carries the header source=send_bad_events, so checks can tell them from the producer's.
import json, os
from datetime import datetime, timezone
from kafka import KafkaProducer

BOOTSTRAP = os.getenv("BOOTSTRAP", "localhost:9092")
TOPIC = os.getenv("TOPIC", "transactions")

def event(**changes):
    base = {
        "event_time": datetime.now(timezone.utc).isoformat(),
        "user_id": 42,
        "event_type": "purchase",
        "amount": 10.0,
        "device": "web",
        "country": "DE",
    }
    base.update(changes)
    return json.dumps(base).encode("utf-8")

BAD = [
    ("negative amount", event(amount=-25.0)),
    ("unknown event type", event(event_type="refund")),
    ("user_id 0", event(user_id=0)),
    ("not JSON", b"{not json"),
]

producer = KafkaProducer(bootstrap_servers=BOOTSTRAP)
for what, data in BAD:
    producer.send(TOPIC, key=b"42", value=data, headers=[("source", b"send_bad_events")])
    print(f"sent a bad event to {TOPIC}: {what}")
producer.flush()
producer.close()

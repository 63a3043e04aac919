# Course step 5: real-time synthetic events into the topic transactions.
import json, os, random, signal, sys, time
from datetime import datetime, timezone
from faker import Faker
from kafka import KafkaProducer

BOOTSTRAP = os.getenv("BOOTSTRAP", "localhost:9092")
TOPIC = os.getenv("TOPIC", "transactions")
EPS = float(os.getenv("EVENTS_PER_SECOND", "5"))

fake = Faker()
producer = KafkaProducer(
    bootstrap_servers=BOOTSTRAP,
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
    key_serializer=lambda k: str(k).encode("utf-8") if k is not None else None,
    linger_ms=10
)

EVENT_TYPES = ["view", "add_to_cart", "purchase"]
DEVICES = ["web", "ios", "android"]
COUNTRIES = ["US", "IN", "BR", "DE", "GB", "CA"]

def make_event():
    user_id = random.randint(1, 500)
    etype = random.choices(EVENT_TYPES, weights=[0.7, 0.2, 0.1])[0]
    amount = round(random.uniform(5, 200), 2) if etype == "purchase" else 0.0
    return {
        "event_time": datetime.now(timezone.utc).isoformat(),
        "user_id": user_id,
        "event_type": etype,
        "amount": amount,
        "device": random.choice(DEVICES),
        "country": random.choice(COUNTRIES)
    }, user_id

def main():
    # fixed: flush=True, so the line shows at once when the output goes to a file or a pipe.
    print(f"Producing to {TOPIC} @ {EPS} eps", flush=True)
    interval = 1.0 / EPS
    while True:
        payload, key = make_event()
        producer.send(TOPIC, key=key, value=payload)
        time.sleep(interval)

if __name__ == "__main__":
    # fixed: SIGTERM (what `kill`, ailab and `docker stop` send) ends the loop like Ctrl+C does ...
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        main()
    except KeyboardInterrupt:
        pass
    finally:
        # ... and fixed: the last batch (linger_ms=10) is sent before exiting, not lost.
        producer.flush()
        producer.close()

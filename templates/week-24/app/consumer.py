# Course step 7: read the features (and write them to features.csv with WRITE_CSV=true).
import csv, os, json, signal, sys
from kafka import KafkaConsumer

BOOTSTRAP = os.getenv("BOOTSTRAP", "localhost:9092")
TOPIC = os.getenv("TOPIC", "features")
WRITE_CSV = os.getenv("WRITE_CSV", "false").lower() == "true"

consumer = KafkaConsumer(
    TOPIC,
    bootstrap_servers=BOOTSTRAP,
    value_deserializer=lambda v: json.loads(v.decode("utf-8")),
    auto_offset_reset="earliest",
    group_id="features-reader"
)

if WRITE_CSV:
    f = open("features.csv", "w", newline="")
    writer = None

# SIGTERM (kill, ailab) ends the loop like Ctrl+C.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("Consuming features...", flush=True)
try:
    for msg in consumer:
        rec = msg.value
        print(rec, flush=True)
        if WRITE_CSV:
            if writer is None:
                writer = csv.DictWriter(f, fieldnames=rec.keys())
                writer.writeheader()
            writer.writerow(rec)
            # fixed: the course never flushed the file, so features.csv stayed empty while the
            # consumer ran (and lost its buffer when killed).
            f.flush()
except KeyboardInterrupt:
    pass
finally:
    consumer.close()

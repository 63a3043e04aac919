# The course's consumer.py, verbatim (course lines 10214-10241), for the test that shows its mistakes.
import csv, os, json
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

print("Consuming features...")
for msg in consumer:
    rec = msg.value
    print(rec)
    if WRITE_CSV:
        if writer is None:
            writer = csv.DictWriter(f, fieldnames=rec.keys())
            writer.writeheader()
        writer.writerow(rec)

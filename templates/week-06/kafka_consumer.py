# Week 6 lab, step 5: consume the topic and land each record in PostgreSQL (course code, fixed):
# - the course's consumer has no group and starts at the latest offset, and the lab runs it after
#   the producer, so it never saw the 10 messages and inserted nothing: it now reads from the
#   earliest offset, as consumer group "ingest" (a rerun goes on where the last one stopped);
# - it stops after CONSUMER_TIMEOUT_MS (15 s) without a message instead of looping forever, so it
#   can run as a step; run it in a second terminal before the producer to watch records stream in;
# - PGPORT overrides PostgreSQL's port (5432), for a machine where 5432 is taken.
from kafka import KafkaConsumer
import json, os, psycopg2

consumer = KafkaConsumer(
    "transactions",
    bootstrap_servers="localhost:9092",
    value_deserializer=lambda m: json.loads(m.decode("utf-8")),
    auto_offset_reset="earliest",
    group_id="ingest",
    consumer_timeout_ms=int(os.environ.get("CONSUMER_TIMEOUT_MS", "15000")),
)

conn = psycopg2.connect(
    dbname="aidb", user="aiuser", password="aipass", host="localhost", port=int(os.environ.get("PGPORT", "5432"))
)
cur = conn.cursor()

cur.execute("CREATE TABLE IF NOT EXISTS transactions (user_id INT, amount INT);")
conn.commit()

for msg in consumer:
    record = msg.value
    cur.execute("INSERT INTO transactions (user_id, amount) VALUES (%s, %s)",
                (record["user_id"], record["amount"]))
    conn.commit()
    print("Inserted:", record, flush=True)

print("No message for a while: consumer stopped")
consumer.close()
conn.close()

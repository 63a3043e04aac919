# Week 6 lab, step 4: stream 10 transactions into the Kafka topic "transactions", as in the course.
# (The records are random; the uploaded CSV is not what streams, as the course has it.)
from kafka import KafkaProducer
import json, time, random

producer = KafkaProducer(
    bootstrap_servers="localhost:9092",
    value_serializer=lambda v: json.dumps(v).encode("utf-8")
)

for i in range(10):
    record = {"user_id": i, "amount": random.randint(10,1000)}
    producer.send("transactions", record)
    print("Produced:", record, flush=True)
    time.sleep(1)

producer.flush()

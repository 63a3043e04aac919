# Step 2: simulate the production stream (the course names this script but gives none).
# Each batch is rows like the reference's with the model's prediction. --drift-mode shifts the data:
# the mean of f0 and f1 moves, f2 spreads out, a new segment "D" appears (data drift), and the label
# no longer follows f3 as it did (concept drift: the model's accuracy falls).
# Transport (the course leaves it open, ailab: fixed): with --kafka HOST:PORT each row is a JSON message
# on topic inference-events; without Kafka ("mock batches") each batch is a CSV file written
# atomically into data/stream/, which drift_monitor.py reads. --batches bounds the run (0 = forever).
import argparse
import json
import os
import pickle
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_reference import FEATURES, make_population  # noqa: E402


def make_batch(pool, rng, size, drift):
    batch = pool.sample(n=size, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    if drift:
        batch["f0"] += 2.0
        batch["f1"] -= 1.5
        batch["f2"] *= 2.0
        new = rng.random(size) < 0.3
        batch.loc[new, "segment"] = "D"
        batch["target"] = (batch["f3"] < 0).astype(int)  # the relationship the model learned is gone
    return batch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drift-mode", action="store_true", help="produce drifting batches")
    ap.add_argument("--batches", type=int, default=0, help="how many batches (0: until stopped)")
    ap.add_argument("--batch-size", type=int, default=300)
    ap.add_argument("--interval", type=float, default=5.0, help="seconds between batches")
    ap.add_argument("--kafka", help="Kafka bootstrap server (host:port); without it, mock batches")
    ap.add_argument("--topic", default="inference-events")
    ap.add_argument("--out", default="data/stream", help="folder for mock batches")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    with open("data/model.pkl", "rb") as f:
        model = pickle.load(f)
    pool = make_population().iloc[5000:]  # the same world as the reference, other rows
    rng = np.random.default_rng(args.seed)
    producer = None
    if args.kafka:
        from kafka import KafkaProducer
        producer = KafkaProducer(bootstrap_servers=args.kafka,
                                 value_serializer=lambda v: json.dumps(v).encode())
    os.makedirs(args.out, exist_ok=True)
    n = 0
    while args.batches == 0 or n < args.batches:
        n += 1
        batch = make_batch(pool, rng, args.batch_size, args.drift_mode)
        batch["prediction"] = model.predict(batch[FEATURES])
        batch_id = f"{time.time_ns()}-{n:05d}"
        if producer:
            for row in batch.to_dict(orient="records"):
                producer.send(args.topic, {"batch": batch_id, **row})
            producer.flush()
            where = f"topic {args.topic}"
        else:
            tmp = os.path.join(args.out, f".batch-{batch_id}.tmp")
            batch.to_csv(tmp, index=False)
            os.replace(tmp, os.path.join(args.out, f"batch-{batch_id}.csv"))
            where = args.out
        print(f"batch {n}: {len(batch)} rows ({'drift' if args.drift_mode else 'stable'}) -> {where}", flush=True)
        if args.batches == 0 or n < args.batches:
            time.sleep(args.interval)


if __name__ == "__main__":
    main()

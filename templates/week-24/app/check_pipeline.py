# What the course checks in Kafka UI (steps 4 and 8), from the command line, for ailab's checks and for
# you: each command reads the topics with kafka-python and prints one JSON summary.
#   python check_pipeline.py topics                       partitions of each topic
#   python check_pipeline.py transactions                 the producer's events: schema and values
#   python check_pipeline.py features --window-sec 60     the processor's windows: schema, sizes, rolling
#   python check_pipeline.py dlq                          dead letters by error
#   python check_pipeline.py lag --group processor-1      consumer-group lag on transactions
# It reads from the beginning without a consumer group (nothing is committed) up to the end offsets the
# topic had when it started, and stops early after --timeout-ms without a message or --max messages.
import argparse, json, os, sys
from datetime import datetime
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

EVENT_KEYS = {"event_time", "user_id", "event_type", "amount", "device", "country"}
FEATURE_KEYS = {"user_id", "window_start", "window_end", "event_count", "purchase_count", "revenue", "emitted_at"}


def read(consumer, topic, limit):
    """The topic's messages up to its end offsets as they are now (a snapshot: the producer goes on)."""
    partitions = consumer.partitions_for_topic(topic) or set()
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    pending = {tp for tp in tps if end[tp] > 0}
    out = []
    if not pending:
        return out
    for msg in consumer:
        tp = TopicPartition(msg.topic, msg.partition)
        if msg.offset < end[tp]:
            out.append(msg)
        if msg.offset + 1 >= end[tp]:
            pending.discard(tp)
        if not pending or len(out) >= limit:
            break
    return out


def event_problem(e):
    if not isinstance(e, dict):
        return "not a JSON object"
    if set(e) != EVENT_KEYS:
        return f"keys {sorted(e)}"
    if e["event_type"] not in ("view", "add_to_cart", "purchase"):
        return f"event_type {e['event_type']!r}"
    if not (isinstance(e["user_id"], int) and 1 <= e["user_id"] <= 500):
        return f"user_id {e['user_id']!r}"
    if e["event_type"] == "purchase" and not 5 <= e["amount"] <= 200:
        return f"purchase amount {e['amount']!r}"
    if e["event_type"] != "purchase" and e["amount"] != 0:
        return f"{e['event_type']} with amount {e['amount']!r}"
    try:
        datetime.fromisoformat(e["event_time"])
    except (TypeError, ValueError):
        return f"event_time {e['event_time']!r}"
    return None


def feature_problem(f, window_sec):
    if not isinstance(f, dict) or set(f) != FEATURE_KEYS:
        return f"keys {sorted(f) if isinstance(f, dict) else f!r}"
    if f["window_end"] - f["window_start"] != window_sec:
        return f"window of {f['window_end'] - f['window_start']}s, not {window_sec}s"
    if f["window_start"] % window_sec:
        return f"window_start {f['window_start']} is not a multiple of {window_sec}"
    if not 1 <= f["event_count"] or not 0 <= f["purchase_count"] <= f["event_count"]:
        return f"counts {f['event_count']}/{f['purchase_count']}"
    if f["revenue"] < 0 or (f["purchase_count"] == 0 and f["revenue"] != 0):
        return f"revenue {f['revenue']} with {f['purchase_count']} purchases"
    return None


def decode(value):
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["topics", "transactions", "features", "dlq", "lag"])
    ap.add_argument("--bootstrap", default=os.getenv("BOOTSTRAP", "localhost:9092"))
    ap.add_argument("--window-sec", type=int, default=int(os.getenv("WINDOW_SEC", "60")))
    ap.add_argument("--group", default="processor-1")
    ap.add_argument("--topic")
    ap.add_argument("--max", type=int, default=20000)
    ap.add_argument("--timeout-ms", type=int, default=2000)
    args = ap.parse_args()

    consumer = KafkaConsumer(bootstrap_servers=args.bootstrap, group_id=None, enable_auto_commit=False,
                             consumer_timeout_ms=args.timeout_ms)
    topics = consumer.topics()
    out = {}
    if args.what == "topics":
        out = {t: len(consumer.partitions_for_topic(t) or ()) for t in sorted(topics) if not t.startswith("__")}
    elif args.what == "lag":
        topic = args.topic or "transactions"
        admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
        committed = {tp: om.offset for tp, om in admin.list_consumer_group_offsets(args.group).items() if tp.topic == topic}
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        end = consumer.end_offsets(tps)
        out = {
            "group": args.group,
            "topic": topic,
            "committed_partitions": len(committed),
            "lag": sum(end[tp] - max(committed.get(tp, 0), 0) for tp in tps),
            "end": sum(end.values()),
        }
    else:
        topic = args.topic or {"transactions": "transactions", "features": "features", "dlq": "dlq-transactions"}[args.what]
        msgs = read(consumer, topic, args.max) if topic in topics else []
        out = {"topic": topic, "exists": topic in topics, "count": len(msgs)}
        if args.what == "transactions":
            is_injected = [("source", b"send_bad_events") in (m.headers or []) for m in msgs]
            injected = [m for m, bad in zip(msgs, is_injected) if bad]
            own = [m for m, bad in zip(msgs, is_injected) if not bad]
            problems = [p for p in (event_problem(decode(m.value)) for m in own) if p]
            types = sorted({e["event_type"] for e in map(lambda m: decode(m.value), own) if isinstance(e, dict) and "event_type" in e})
            out.update(valid=len(own) - len(problems), invalid=len(problems), injected=len(injected),
                       event_types=types, first_problem=problems[0] if problems else None)
        elif args.what == "features":
            feats = [decode(m.value) for m in msgs]
            problems = [p for p in (feature_problem(f, args.window_sec) for f in feats) if p]
            starts = sorted({f["window_start"] for f in feats if isinstance(f, dict) and "window_start" in f})
            steps = [b - a for a, b in zip(starts, starts[1:])]
            out.update(valid=len(feats) - len(problems), invalid=len(problems),
                       first_problem=problems[0] if problems else None,
                       windows=len(starts), window_step=min(steps) if steps else None,
                       events=sum(f.get("event_count", 0) for f in feats if isinstance(f, dict)))
        else:
            errors = {}
            for m in msgs:
                d = decode(m.value)
                kind = d.get("error", "?") if isinstance(d, dict) else "?"
                errors[kind] = errors.get(kind, 0) + 1
            out.update(errors=errors)
    consumer.close()
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())

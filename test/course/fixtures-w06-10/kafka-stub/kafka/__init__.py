"""A stand-in for kafka-python, for ailab's CI only (no Kafka broker can run there). A topic is a
file of base64 lines, one message each, in $KAFKA_STUB_DIR; consumer groups keep their offsets there
too. It keeps the semantics the week-6 lab depends on: a consumer without a committed offset starts
at the end of the topic unless auto_offset_reset="earliest" (kafka-python's default is "latest"),
and iteration stops after consumer_timeout_ms without a message. It is not Kafka and is never shipped.
"""
import base64
import json
import os
import time
from types import SimpleNamespace

__version__ = "0.0.0+ailab.stub"


def _dir():
    path = os.environ.get("KAFKA_STUB_DIR")
    if not path:
        raise RuntimeError("KAFKA_STUB_DIR is not set (the CI stand-in for Kafka keeps its topics there)")
    os.makedirs(path, exist_ok=True)
    return path


def _topic_file(topic):
    return os.path.join(_dir(), f"{topic}.log")


def _read(topic):
    try:
        with open(_topic_file(topic)) as f:
            return [base64.b64decode(line) for line in f.read().splitlines() if line]
    except FileNotFoundError:
        return []


class KafkaProducer:
    def __init__(self, bootstrap_servers=None, value_serializer=None, **_):
        self._serialize = value_serializer or (lambda v: v)

    def send(self, topic, value=None, **_):
        data = self._serialize(value)
        with open(_topic_file(topic), "a") as f:
            f.write(base64.b64encode(data).decode("ascii") + "\n")
        return SimpleNamespace(get=lambda timeout=None: None)

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass


class KafkaConsumer:
    def __init__(self, *topics, bootstrap_servers=None, value_deserializer=None, auto_offset_reset="latest",
                 group_id=None, consumer_timeout_ms=float("inf"), **_):
        self._topics = list(topics)
        self._deserialize = value_deserializer or (lambda v: v)
        self._group = group_id
        self._timeout = consumer_timeout_ms / 1000
        committed = self._load_offsets()
        self._offsets = {}
        for topic in self._topics:
            if topic in committed:
                self._offsets[topic] = committed[topic]
            else:
                self._offsets[topic] = 0 if auto_offset_reset == "earliest" else len(_read(topic))

    def _offsets_file(self):
        return os.path.join(_dir(), f"group-{self._group}.json")

    def _load_offsets(self):
        if not self._group:
            return {}
        try:
            with open(self._offsets_file()) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def _commit(self):
        if self._group:
            with open(self._offsets_file(), "w") as f:
                json.dump(self._offsets, f)

    def __iter__(self):
        idle_since = time.monotonic()
        while True:
            got = False
            for topic in self._topics:
                messages = _read(topic)
                while self._offsets[topic] < len(messages):
                    offset = self._offsets[topic]
                    self._offsets[topic] += 1
                    self._commit()
                    got = True
                    yield SimpleNamespace(topic=topic, offset=offset, value=self._deserialize(messages[offset]))
            if got:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= self._timeout:
                return
            else:
                time.sleep(0.1)

    def close(self):
        pass

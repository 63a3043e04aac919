"""A stand-in for kafka-python (its 2.0.x API), for ailab's CI only: no Kafka broker can run there
(no Docker engine, no Kafka in Debian). It is not Kafka and is never shipped.

The "broker" is a folder, $KAFKA_STUB_DIR, that the test prepares: broker.json says which bootstrap
address it answers on and its settings (num.partitions, auto.create.topics.enable); without it every
client raises NoBrokersAvailable, as kafka-python does with no broker. A topic is a folder with
meta.json (its partition count) and one append-only file per partition, a JSON line per record (key,
value, headers, timestamp); an offset is a line's index. Consumer groups keep committed offsets in
groups/<group>.json.

Kept from Kafka and kafka-python, because the week-24 lab depends on them:
- keyed records go to a partition chosen from the key, records without a key to any partition;
- auto-created topics get the broker's num.partitions (1 by default), as Kafka's do;
- a consumer with no committed offset starts at the end unless auto_offset_reset="earliest"; it
  resumes from the group's committed offsets after a restart; enable_auto_commit (the default)
  commits every auto_commit_interval_ms;
- poll() returns {TopicPartition: [ConsumerRecord]}, at most max_poll_records; a value_deserializer
  that raises makes poll() raise and the position stays on that record (a "poison pill");
- end_offsets(), committed(), and the admin client's create_topics (TopicAlreadyExistsError),
  list_topics, describe_topics and list_consumer_group_offsets.
Not kept: replication, group rebalancing (every member of a group reads every partition), transactions.
"""
import base64
import collections
import json
import os
import random
import time
import zlib

from kafka import errors
from kafka.structs import OffsetAndMetadata, TopicPartition

__version__ = "2.0.2+ailab.stub"

ConsumerRecord = collections.namedtuple(
    "ConsumerRecord",
    ["topic", "partition", "offset", "timestamp", "timestamp_type", "key", "value", "headers",
     "checksum", "serialized_key_size", "serialized_value_size", "serialized_header_size"],
)


def _root():
    path = os.environ.get("KAFKA_STUB_DIR")
    if not path:
        raise errors.NoBrokersAvailable("KAFKA_STUB_DIR is not set (the CI stand-in for Kafka keeps its topics there)")
    return path


def _broker(bootstrap_servers):
    """The broker's settings; NoBrokersAvailable when none answers at bootstrap_servers."""
    try:
        with open(os.path.join(_root(), "broker.json")) as f:
            broker = json.load(f)
    except FileNotFoundError:
        raise errors.NoBrokersAvailable("NoBrokersAvailable") from None
    servers = bootstrap_servers or "localhost:9092"
    if isinstance(servers, str):
        servers = servers.split(",")
    # kafka-python's default port is 9092 ("localhost" is localhost:9092).
    servers = [s.strip() if ":" in s else f"{s.strip()}:9092" for s in servers]
    if broker.get("bootstrap", "localhost:9092") not in servers:
        raise errors.NoBrokersAvailable("NoBrokersAvailable")
    return broker


def _topic_dir(topic):
    return os.path.join(_root(), "topics", topic)


def _partitions(topic):
    try:
        with open(os.path.join(_topic_dir(topic), "meta.json")) as f:
            return json.load(f)["partitions"]
    except FileNotFoundError:
        return None


def _create_topic(topic, partitions):
    """Create a topic; False when it exists already (another client may be creating it now)."""
    os.makedirs(os.path.join(_root(), "topics"), exist_ok=True)
    try:
        os.mkdir(_topic_dir(topic))
    except FileExistsError:
        for _ in range(50):
            if _partitions(topic) is not None:
                break
            time.sleep(0.01)
        return False
    tmp = os.path.join(_topic_dir(topic), "meta.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"partitions": int(partitions)}, f)
    os.rename(tmp, os.path.join(_topic_dir(topic), "meta.json"))
    return True


def _auto_create(broker, topic):
    n = _partitions(topic)
    if n is None and broker.get("auto_create_topics", True):
        _create_topic(topic, broker.get("num_partitions", 1))
        n = _partitions(topic)
    return n


def _topics():
    try:
        return {t for t in os.listdir(os.path.join(_root(), "topics")) if _partitions(t) is not None}
    except FileNotFoundError:
        return set()


def _group_file(group):
    return os.path.join(_root(), "groups", f"{group}.json")


def _load_group(group):
    try:
        with open(_group_file(group)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def _log(topic, partition):
    return os.path.join(_topic_dir(topic), f"{partition}.log")


def _end_offset(topic, partition):
    try:
        with open(_log(topic, partition), "rb") as f:
            return sum(1 for line in f if line.endswith(b"\n"))
    except FileNotFoundError:
        return 0


def _b64(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text):
    return None if text is None else base64.b64decode(text)


class _Future:
    def __init__(self, metadata):
        self._metadata = metadata

    def get(self, timeout=None):
        return self._metadata

    def add_callback(self, fn, *args, **kwargs):
        fn(*args, self._metadata, **kwargs)
        return self

    def add_errback(self, fn, *args, **kwargs):
        return self


RecordMetadata = collections.namedtuple("RecordMetadata", ["topic", "partition", "topic_partition", "offset"])


class KafkaProducer:
    def __init__(self, bootstrap_servers="localhost", key_serializer=None, value_serializer=None, **configs):
        self._broker = _broker(bootstrap_servers)
        self._key_serializer = key_serializer
        self._value_serializer = value_serializer
        self._closed = False

    def send(self, topic, value=None, key=None, headers=None, partition=None, timestamp_ms=None):
        if self._closed:
            raise errors.KafkaError("KafkaProducer already closed!")
        n = _auto_create(self._broker, topic)
        if n is None:
            raise errors.KafkaTimeoutError(f"Failed to update metadata after 60.0 secs: topic {topic} does not exist")
        key_bytes = self._key_serializer(key) if self._key_serializer and key is not None else key
        value_bytes = self._value_serializer(value) if self._value_serializer and value is not None else value
        if partition is None:
            partition = zlib.crc32(key_bytes) % n if key_bytes is not None else random.randrange(n)
        line = json.dumps({
            "k": _b64(key_bytes),
            "v": _b64(value_bytes),
            "h": [[name, _b64(data)] for name, data in (headers or [])],
            "ts": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        }) + "\n"
        # One write of one line in append mode: concurrent producers never interleave within a line.
        fd = os.open(_log(topic, partition), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("ascii"))
        finally:
            os.close(fd)
        return _Future(RecordMetadata(topic, partition, TopicPartition(topic, partition), -1))

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        self._closed = True

    def partitions_for(self, topic):
        n = _auto_create(self._broker, topic)
        return set(range(n)) if n else set()


class KafkaConsumer:
    DEFAULT = {
        "group_id": None,
        "auto_offset_reset": "latest",
        "enable_auto_commit": True,
        "auto_commit_interval_ms": 5000,
        "max_poll_records": 500,
        "consumer_timeout_ms": float("inf"),
        "key_deserializer": None,
        "value_deserializer": None,
    }

    def __init__(self, *topics, bootstrap_servers="localhost", **configs):
        self._broker = _broker(bootstrap_servers)
        self.config = dict(self.DEFAULT)
        self.config.update(configs)
        if self.config["auto_offset_reset"] not in ("earliest", "latest"):
            raise errors.KafkaConfigurationError("Unrecognized auto_offset_reset")
        self._group = self.config["group_id"]
        self._topics = []
        self._positions = {}
        self._files = {}
        self._last_commit = time.monotonic()
        self._closed = False
        if topics:
            self.subscribe(topics)

    # -- subscription --------------------------------------------------------------------------
    def subscribe(self, topics=(), pattern=None, listener=None):
        self._topics = list(topics)

    def assign(self, partitions):
        """Manual assignment: these partitions only, from the group's offsets or the reset policy."""
        self._topics = []
        self._manual = list(partitions)
        self._positions = {}
        committed = self._load_group()
        for tp in self._manual:
            key = f"{tp.topic}/{tp.partition}"
            if key in committed:
                self._positions[tp] = committed[key]
            elif self.config["auto_offset_reset"] == "earliest":
                self._positions[tp] = 0
            else:
                self._positions[tp] = _end_offset(tp.topic, tp.partition)

    def subscription(self):
        return set(self._topics)

    def _assign_new_partitions(self):
        committed = self._load_group()
        for topic in self._topics:
            n = _auto_create(self._broker, topic) or 0
            for p in range(n):
                tp = TopicPartition(topic, p)
                if tp in self._positions:
                    continue
                if f"{topic}/{p}" in committed:
                    self._positions[tp] = committed[f"{topic}/{p}"]
                elif self.config["auto_offset_reset"] == "earliest":
                    self._positions[tp] = 0
                else:
                    self._positions[tp] = _end_offset(topic, p)

    def assignment(self):
        self._assign_new_partitions()
        return set(self._positions)

    # -- offsets -------------------------------------------------------------------------------
    def _group_file(self):
        return _group_file(self._group)

    def _load_group(self):
        return _load_group(self._group) if self._group else {}

    def commit(self, offsets=None):
        if not self._group:
            raise errors.KafkaError("Requires group_id")
        stored = self._load_group()
        if offsets is None:
            offsets = {tp: OffsetAndMetadata(pos, "") for tp, pos in self._positions.items()}
        for tp, om in offsets.items():
            stored[f"{tp.topic}/{tp.partition}"] = om.offset if hasattr(om, "offset") else int(om)
        os.makedirs(os.path.dirname(self._group_file()), exist_ok=True)
        tmp = f"{self._group_file()}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(stored, f)
        os.replace(tmp, self._group_file())
        self._last_commit = time.monotonic()

    def committed(self, partition, metadata=False):
        value = self._load_group().get(f"{partition.topic}/{partition.partition}")
        if metadata and value is not None:
            return OffsetAndMetadata(value, "")
        return value

    def position(self, partition):
        self._assign_new_partitions()
        return self._positions[partition]

    def seek(self, partition, offset):
        self._positions[partition] = offset

    def seek_to_beginning(self, *partitions):
        for tp in partitions or list(self.assignment()):
            self._positions[tp] = 0

    def seek_to_end(self, *partitions):
        for tp in partitions or list(self.assignment()):
            self._positions[tp] = _end_offset(tp.topic, tp.partition)

    def end_offsets(self, partitions):
        return {tp: _end_offset(tp.topic, tp.partition) for tp in partitions}

    def beginning_offsets(self, partitions):
        return {tp: 0 for tp in partitions}

    def topics(self):
        return _topics()

    def partitions_for_topic(self, topic):
        n = _partitions(topic)
        return set(range(n)) if n is not None else None

    # -- fetching ------------------------------------------------------------------------------
    def _read_from(self, tp, offset, limit):
        """Up to `limit` complete records of a partition from `offset` (a cached line index)."""
        path = _log(tp.topic, tp.partition)
        cache = self._files.setdefault(tp, {"pos": 0, "lines": []})
        try:
            with open(path, "rb") as f:
                f.seek(cache["pos"])
                data = f.read()
        except FileNotFoundError:
            data = b""
        end = data.rfind(b"\n") + 1
        if end:
            cache["lines"].extend(data[:end].splitlines())
            cache["pos"] += end
        return cache["lines"][offset:offset + limit]

    def _record(self, tp, offset, line):
        raw = json.loads(line)
        key, value = _unb64(raw["k"]), _unb64(raw["v"])
        headers = [(name, _unb64(data)) for name, data in raw.get("h", [])]
        # As in kafka-python, a deserializer's exception comes out of poll() and the position stays.
        if self.config["key_deserializer"] and key is not None:
            key = self.config["key_deserializer"](key)
        if self.config["value_deserializer"] and value is not None:
            value = self.config["value_deserializer"](value)
        return ConsumerRecord(tp.topic, tp.partition, offset, raw["ts"], 0, key, value, headers, None,
                              len(raw["k"] or ""), len(raw["v"] or ""), -1)

    def _fetch(self, max_records):
        self._assign_new_partitions()
        result = {}
        budget = max_records
        for tp in sorted(self._positions, key=lambda t: (t.topic, t.partition)):
            if budget <= 0:
                break
            start = self._positions[tp]
            records = []
            for i, line in enumerate(self._read_from(tp, start, budget)):
                records.append(self._record(tp, start + i, line))
                self._positions[tp] = start + i + 1
            if records:
                result[tp] = records
                budget -= len(records)
        return result

    def _maybe_auto_commit(self):
        if self._group and self.config["enable_auto_commit"] and self._positions:
            if (time.monotonic() - self._last_commit) * 1000 >= self.config["auto_commit_interval_ms"]:
                self.commit()

    def poll(self, timeout_ms=0, max_records=None, update_offsets=True):
        if self._closed:
            raise errors.KafkaError("KafkaConsumer is closed")
        self._maybe_auto_commit()
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            records = self._fetch(max_records or self.config["max_poll_records"])
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def __iter__(self):
        return self

    def __next__(self):
        if not hasattr(self, "_buffer"):
            self._buffer = collections.deque()
        idle_since = time.monotonic()
        while not self._buffer:
            for records in self.poll(timeout_ms=100).values():
                self._buffer.extend(records)
            if not self._buffer and (time.monotonic() - idle_since) * 1000 >= self.config["consumer_timeout_ms"]:
                raise StopIteration
        return self._buffer.popleft()

    def close(self, autocommit=True):
        if self._group and autocommit and self.config["enable_auto_commit"] and self._positions:
            self.commit()
        self._closed = True


from kafka.admin import KafkaAdminClient  # noqa: E402  (kafka-python exports it here too)

__all__ = ["KafkaAdminClient", "KafkaConsumer", "KafkaProducer", "OffsetAndMetadata", "TopicPartition"]

"""kafka.admin as in kafka-python 2.0.x: NewTopic and the parts of KafkaAdminClient the week-24 lab
uses (CI stand-in, see kafka/__init__.py)."""
import kafka as _kafka
from kafka import errors
from kafka.structs import OffsetAndMetadata, TopicPartition


class NewTopic:
    def __init__(self, name, num_partitions, replication_factor, replica_assignments=None, topic_configs=None):
        self.name = name
        self.num_partitions = num_partitions
        self.replication_factor = replication_factor
        self.topic_configs = topic_configs or {}


class KafkaAdminClient:
    def __init__(self, bootstrap_servers="localhost", **configs):
        self._broker = _kafka._broker(bootstrap_servers)

    def create_topics(self, new_topics, timeout_ms=None, validate_only=False):
        for topic in new_topics:
            if topic.replication_factor > 1:
                raise errors.KafkaError("INVALID_REPLICATION_FACTOR: Replication factor: "
                                        f"{topic.replication_factor} larger than available brokers: 1.")
            if _kafka._partitions(topic.name) is not None:
                raise errors.TopicAlreadyExistsError(f"Topic '{topic.name}' already exists.")
            if not validate_only:
                _kafka._create_topic(topic.name, topic.num_partitions)

    def list_topics(self):
        return sorted(_kafka._topics())

    def describe_topics(self, topics=None):
        names = topics if topics is not None else self.list_topics()
        out = []
        for name in names:
            n = _kafka._partitions(name)
            out.append({
                "error_code": 0 if n is not None else 3,
                "topic": name,
                "is_internal": False,
                "partitions": [
                    {"error_code": 0, "partition": p, "leader": 1, "replicas": [1], "isr": [1], "offline_replicas": []}
                    for p in range(n or 0)
                ],
            })
        return out

    def list_consumer_group_offsets(self, group_id, group_coordinator_id=None, partitions=None):
        stored = _kafka._load_group(group_id)
        result = {}
        for key, offset in stored.items():
            topic, _, p = key.rpartition("/")
            result[TopicPartition(topic, int(p))] = OffsetAndMetadata(offset, "")
        return result

    def close(self):
        pass

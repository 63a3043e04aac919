"""kafka.structs as in kafka-python 2.0.x (CI stand-in, see kafka/__init__.py)."""
import collections

TopicPartition = collections.namedtuple("TopicPartition", ["topic", "partition"])
OffsetAndMetadata = collections.namedtuple("OffsetAndMetadata", ["offset", "metadata"])

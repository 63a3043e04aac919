# Course step 4, scripted: the topics with the partitions the course asks for. Auto-created topics get
# the broker's num.partitions (1 on a stock broker), so the "Scale partitions" experiment and a second
# processor in group processor-1 have nothing to share. Creating a topic that exists is not an error.
import os
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

BOOTSTRAP = os.getenv("BOOTSTRAP", "localhost:9092")
TOPICS = {"transactions": 3, "features": 3, "dlq-transactions": 1}

admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="create-topics")
for name, partitions in TOPICS.items():
    try:
        admin.create_topics([NewTopic(name=name, num_partitions=partitions, replication_factor=1)])
        print(f"created {name} (partitions: {partitions})")
    except TopicAlreadyExistsError:
        print(f"exists  {name}")
for topic in admin.describe_topics(list(TOPICS)):
    print(f"topic {topic['topic']}: {len(topic['partitions'])} partition(s)")
admin.close()

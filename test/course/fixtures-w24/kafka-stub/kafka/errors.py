"""kafka.errors as in kafka-python 2.0.x, the classes the week-24 lab meets (CI stand-in)."""


class KafkaError(RuntimeError):
    retriable = False


class KafkaConfigurationError(KafkaError):
    pass


class KafkaTimeoutError(KafkaError):
    retriable = True


class NoBrokersAvailable(KafkaError):
    retriable = True


class TopicAlreadyExistsError(KafkaError):
    errno = 36
    message = "TOPIC_ALREADY_EXISTS"

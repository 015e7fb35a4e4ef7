"""The relay picks each record's partition itself (cached): it must be Kafka's default one."""

from uuid import uuid4

from aiokafka.partitioner import DefaultPartitioner

from events.bus import partition_of


def test_the_partition_of_a_key_is_the_one_the_kafka_client_would_choose():
    partitioner = DefaultPartitioner()
    for partitions in (1, 3, 12):
        every = list(range(partitions))
        for _ in range(500):
            key = str(uuid4()).encode()
            assert partition_of(key, partitions) == partitioner(key, every, every)


def test_the_events_of_one_stream_share_a_partition_whatever_the_cache():
    key = str(uuid4()).encode()
    partition_of.cache_clear()
    first = partition_of(key, 6)
    assert all(partition_of(key, 6) == first for _ in range(3))
    assert partition_of.cache_info().hits >= 3

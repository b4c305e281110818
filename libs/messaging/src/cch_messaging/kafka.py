"""Kafka client settings and topic provisioning shared by relay and consumer."""

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.partitioner import murmur2

log = logging.getLogger("cch.messaging")


def _disable_topic_auto_creation() -> None:
    """Topics are provisioned explicitly (ensure_topics). aiokafka's metadata requests always ask
    the broker to auto-create unknown topics, and a broker that obliges (Tansu does) races our
    provisioning with its own partition count; so clients never ask."""
    from aiokafka.protocol import metadata

    original = metadata.MetadataRequest.__init__
    if getattr(original, "_cch_patched", False):
        return

    def init(
        self: Any, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False
    ) -> None:
        original(self, topics, allow_auto_topic_creation)

    init._cch_patched = True  # type: ignore[attr-defined,unused-ignore]
    metadata.MetadataRequest.__init__ = init  # type: ignore[method-assign,unused-ignore]


_disable_topic_auto_creation()

_FETCH_MAX_WAIT_MS = 500
_EMBEDDED_FETCH_MAX_WAIT_MS = 20


@dataclass(frozen=True)
class KafkaSettings:
    """What every client needs; idempotence stays off by default (Tansu lacks it)."""

    bootstrap_servers: str
    client_id: str = "cch"
    enable_idempotence: bool = False
    partitions: int = 3
    replication_factor: int = 1
    request_timeout_ms: int = 15000
    # A broker that can lose its topics on restart (Tansu, memory only) and then acks writes to
    # missing topics: the relay re-checks the cluster before each batch. Off for real Kafka.
    ephemeral_broker: bool = False
    # How long a fetch may wait for data. Kafka answers as soon as data is there; Tansu holds
    # every fetch for the full wait, adding it to each hop. None: 20 ms on the ephemeral
    # (embedded) broker, aiokafka's 500 ms otherwise. Consumers only: producers have no such option.
    consumer_fetch_max_wait_ms: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fetch_max_wait_ms(self) -> int:
        if self.consumer_fetch_max_wait_ms is not None:
            return self.consumer_fetch_max_wait_ms
        return _EMBEDDED_FETCH_MAX_WAIT_MS if self.ephemeral_broker else _FETCH_MAX_WAIT_MS

    def producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"{self.client_id}-producer",
            acks="all",
            enable_idempotence=self.enable_idempotence,
            request_timeout_ms=self.request_timeout_ms,
            linger_ms=2,
            max_batch_size=256 * 1024,
            **self.extra,
        )

    def consumer(self, *, group_id: str | None, topics: tuple[str, ...] = ()) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"{self.client_id}-consumer",
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=max(self.request_timeout_ms, 40000),
            max_poll_interval_ms=300000,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            **self.extra,
        )

    def admin(self) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"{self.client_id}-admin",
            request_timeout_ms=self.request_timeout_ms,
        )


async def ensure_topics(settings: KafkaSettings, topics: list[str]) -> list[str]:
    """Create missing topics; a broker that already has them is fine. Returns those created."""
    admin = settings.admin()
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return []
        new = [NewTopic(t, settings.partitions, settings.replication_factor) for t in missing]
        with contextlib.suppress(TopicAlreadyExistsError):  # another client won the race
            await admin.create_topics(new)
        return missing
    finally:
        await admin.close()


async def cluster_id(admin: AIOKafkaAdminClient, *, topic: str) -> str | None:
    """The broker cluster's id, from a metadata request for one topic (which need not exist):
    describe_cluster() asks for every topic's partitions and decodes them all, and Tansu answers
    a request for no topics with every topic too; either costs milliseconds of CPU a check."""
    response = await admin._get_cluster_metadata(topics=[topic])
    value = getattr(response, "cluster_id", None)
    return str(value) if value else None


async def wait_for_broker(settings: KafkaSettings, *, timeout: float = 30.0) -> None:
    """Block until the broker answers metadata, or raise after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    delay = 0.2
    while True:
        admin = settings.admin()
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"broker {settings.bootstrap_servers} not reachable") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
        finally:
            await admin.close()


@functools.lru_cache(maxsize=65536)
def _key_hash(key: bytes) -> int:
    return int(murmur2(key)) & 0x7FFFFFFF


def partition_for(key: bytes, partitions: list[int]) -> int:
    """The partition the producer's default partitioner (Java client's too) picks for a key;
    the hash of each key is kept, as the same patients' keys come back all the time."""
    return partitions[_key_hash(key) % len(partitions)]

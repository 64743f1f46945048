"""Who is acting (a client, an operator, an API key, the system): recorded in audit entries and used for
permission rules in services. Not to be confused with dramatiq actors (the worker functions in `tasks`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # AuditEntry.ActorKind
    label: str
    user_id: int | None = None

    @classmethod
    def client(cls, email: str) -> Actor:
        return cls(kind="client", label=email)

    @classmethod
    def operator(cls, user) -> Actor:
        return cls(kind="operator", label=user.email, user_id=user.pk)

    @classmethod
    def api_key(cls, key) -> Actor:
        return cls(kind="api_key", label=f"api key {key.name} ({key.prefix})")

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(kind="system", label=name)

    @property
    def is_client(self) -> bool:
        return self.kind == "client"

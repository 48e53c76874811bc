"""An installed app: the owner of every other row. Only a bcrypt hash of its secret is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, timestamp


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (
        # A live device always has a hash; a revoked one keeps it (migration 0008), so that
        # only a caller holding its secret learns that it is revoked.
        CheckConstraint("revoked_at IS NOT NULL OR token_hash IS NOT NULL", name="live_has_hash"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    token_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Bumped by every re-registration: a token is current only with the generation it was
    # verified at (the authorizer's cached context carries it; see shared/db/freshness.py).
    token_generation: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="1")
    created_at: Mapped[datetime] = timestamp()
    last_seen_at: Mapped[datetime | None] = timestamp(nullable=True)
    revoked_at: Mapped[datetime | None] = timestamp(nullable=True)
    # The last re-registration of this existing device (a security event the device can see).
    last_rekeyed_at: Mapped[datetime | None] = timestamp(nullable=True)
    # Bumped by every write request's first statement, under the row lock; rows written in that
    # request are stamped with it (see migration 0004 and shared/db/freshness.py).
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")

"""Hits counted by the registration rate limiter, shared by every Lambda instance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, timestamp


class RateLimitHit(Base):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (
        Index("ix_rate_limit_hits_bucket_hit_at", "bucket", "hit_at"),
        Index("ix_rate_limit_hits_hit_at", "hit_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(100), nullable=False)
    hit_at: Mapped[datetime] = timestamp()

"""A device's nutrition goal, calculated from body metrics or entered by hand; one live each."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.vocabularies import (
    ACTIVITY_LEVELS,
    BMI_CATEGORIES,
    GENDERS,
    GOAL_TYPES,
    WEIGHT_CHANGE_PACES,
    WEIGHT_GOAL_TYPES,
)
from shared.models.base import LIVE, Base, DeviceOwned, in_list, uuid_pk


class UserGoal(DeviceOwned, Base):
    __tablename__ = "user_goals"
    __table_args__ = (
        CheckConstraint(in_list("goal_type", GOAL_TYPES), name="goal_type"),
        CheckConstraint(f"gender IS NULL OR {in_list('gender', GENDERS)}", name="gender"),
        CheckConstraint(
            f"activity_level IS NULL OR {in_list('activity_level', ACTIVITY_LEVELS)}",
            name="activity_level",
        ),
        CheckConstraint(
            f"weight_goal_type IS NULL OR {in_list('weight_goal_type', WEIGHT_GOAL_TYPES)}",
            name="weight_goal_type",
        ),
        CheckConstraint(
            f"weight_change_pace IS NULL OR {in_list('weight_change_pace', WEIGHT_CHANGE_PACES)}",
            name="weight_change_pace",
        ),
        CheckConstraint(
            f"bmi_category IS NULL OR {in_list('bmi_category', BMI_CATEGORIES)}",
            name="bmi_category",
        ),
        CheckConstraint("daily_calories_kcal > 0", name="calories_positive"),
        CheckConstraint(
            "protein_percent BETWEEN 0 AND 100 AND carbs_percent BETWEEN 0 AND 100"
            " AND fat_percent BETWEEN 0 AND 100",
            name="percent_range",
        ),
        CheckConstraint(
            "protein_percent + carbs_percent + fat_percent = 100", name="percents_sum_100"
        ),
        CheckConstraint(
            "protein_grams >= 0 AND carbs_grams >= 0 AND fat_grams >= 0 AND water_ml >= 0",
            name="amounts_non_negative",
        ),
        CheckConstraint(
            "(height_cm IS NULL OR height_cm > 0) AND (current_weight_kg IS NULL OR"
            " current_weight_kg > 0) AND (target_weight_kg IS NULL OR target_weight_kg > 0)",
            name="body_metrics_positive",
        ),
        Index("uq_user_goals_one_live", "device_id", unique=True, postgresql_where=LIVE),
        Index("ix_user_goals_sync", "device_id", "change_seq", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    goal_type: Mapped[str] = mapped_column(String(20), nullable=False)
    gender: Mapped[str | None] = mapped_column(String(10))
    birth_date: Mapped[date | None] = mapped_column(Date)
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    current_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    activity_level: Mapped[str | None] = mapped_column(String(20))
    weight_goal_type: Mapped[str | None] = mapped_column(String(20))
    target_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    weight_change_pace: Mapped[str | None] = mapped_column(String(20))
    bmr_kcal: Mapped[int | None] = mapped_column(Integer)
    tdee_kcal: Mapped[int | None] = mapped_column(Integer)
    daily_calories_kcal: Mapped[int] = mapped_column(Integer, nullable=False)
    protein_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    carbs_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    fat_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    protein_grams: Mapped[int] = mapped_column(Integer, nullable=False)
    carbs_grams: Mapped[int] = mapped_column(Integer, nullable=False)
    fat_grams: Mapped[int] = mapped_column(Integer, nullable=False)
    water_ml: Mapped[int] = mapped_column(Integer, nullable=False)
    healthy_weight_min_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    healthy_weight_max_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    current_bmi: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    bmi_category: Mapped[str | None] = mapped_column(String(20))

"""Initial schema: devices, products and portions, food entries, goals, body weights, catalog,
rate-limit hits, with the constraints and partial unique indexes that keep the data honest.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_products",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("barcode", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column(
            "search_document",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('english'::regconfig, coalesce(display_name, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(brand, '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'C')",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_products")),
        sa.UniqueConstraint(
            "source", "source_id", name=op.f("uq_catalog_products_source_source_id")
        ),
    )
    op.create_index(
        "ix_catalog_products_barcode",
        "catalog_products",
        ["barcode"],
        unique=False,
        postgresql_where="barcode IS NOT NULL",
    )
    op.create_index(
        "ix_catalog_products_display_name", "catalog_products", ["display_name"], unique=False
    )
    op.create_index(
        "ix_catalog_products_search_document",
        "catalog_products",
        ["search_document"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (token_hash IS NOT NULL)",
            name=op.f("ck_devices_hash_iff_not_revoked"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("bucket", sa.String(length=100), nullable=False),
        sa.Column(
            "hit_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index(
        "ix_rate_limit_hits_bucket_hit_at", "rate_limit_hits", ["bucket", "hit_at"], unique=False
    )
    op.create_index("ix_rate_limit_hits_hit_at", "rate_limit_hits", ["hit_at"], unique=False)
    op.create_table(
        "body_weights",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=7, scale=3), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("weight_kg > 0", name=op.f("ck_body_weights_weight_positive")),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_body_weights_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_weights")),
    )
    op.create_index(
        "ix_body_weights_sync", "body_weights", ["device_id", "updated_at", "id"], unique=False
    )
    op.create_index(
        "uq_body_weights_device_day_live",
        "body_weights",
        ["device_id", "day"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "catalog_portions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("catalog_product_id", sa.UUID(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("base_unit", sa.String(length=16), nullable=False),
        sa.Column("gram_weight", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("calories", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("protein", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("carbs", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("fat", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint(
            "base_unit IN ('mg', 'g', 'kg', 'ml', 'l', 'tsp', 'tbsp', 'cup', 'pcs', 'serving')",
            name=op.f("ck_catalog_portions_base_unit"),
        ),
        sa.CheckConstraint(
            "(protein IS NULL OR protein >= 0) AND (carbs IS NULL OR carbs >= 0) AND (fat IS NULL OR fat >= 0)",
            name=op.f("ck_catalog_portions_macros_non_negative"),
        ),
        sa.CheckConstraint(
            "base_amount > 0", name=op.f("ck_catalog_portions_base_amount_positive")
        ),
        sa.CheckConstraint("calories >= 0", name=op.f("ck_catalog_portions_calories_non_negative")),
        sa.CheckConstraint(
            "char_length(btrim(label)) BETWEEN 1 AND 200",
            name=op.f("ck_catalog_portions_label_length"),
        ),
        sa.CheckConstraint(
            "gram_weight IS NULL OR gram_weight > 0",
            name=op.f("ck_catalog_portions_gram_weight_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["catalog_product_id"],
            ["catalog_products.id"],
            name=op.f("fk_catalog_portions_catalog_product_id_catalog_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_portions")),
    )
    op.create_index(
        "ix_catalog_portions_catalog_product_id",
        "catalog_portions",
        ["catalog_product_id"],
        unique=False,
    )
    op.create_index(
        "uq_catalog_portions_one_default",
        "catalog_portions",
        ["catalog_product_id"],
        unique=True,
        postgresql_where="is_default",
    )
    op.create_table(
        "products",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("barcode", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "barcode IS NULL OR char_length(barcode) BETWEEN 1 AND 64",
            name=op.f("ck_products_barcode"),
        ),
        sa.CheckConstraint(
            "char_length(btrim(name)) BETWEEN 1 AND 200", name=op.f("ck_products_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_products_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("id", "device_id", name=op.f("uq_products_id_device_id")),
    )
    op.create_index(
        "ix_products_device_live",
        "products",
        ["device_id", "name"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_products_sync", "products", ["device_id", "updated_at", "id"], unique=False)
    op.create_index(
        "uq_products_device_barcode_live",
        "products",
        ["device_id", "barcode"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "user_goals",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("goal_type", sa.String(length=20), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("height_cm", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("current_weight_kg", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("activity_level", sa.String(length=20), nullable=True),
        sa.Column("weight_goal_type", sa.String(length=20), nullable=True),
        sa.Column("target_weight_kg", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("weight_change_pace", sa.String(length=20), nullable=True),
        sa.Column("bmr_kcal", sa.Integer(), nullable=True),
        sa.Column("tdee_kcal", sa.Integer(), nullable=True),
        sa.Column("daily_calories_kcal", sa.Integer(), nullable=False),
        sa.Column("protein_percent", sa.Integer(), nullable=False),
        sa.Column("carbs_percent", sa.Integer(), nullable=False),
        sa.Column("fat_percent", sa.Integer(), nullable=False),
        sa.Column("protein_grams", sa.Integer(), nullable=False),
        sa.Column("carbs_grams", sa.Integer(), nullable=False),
        sa.Column("fat_grams", sa.Integer(), nullable=False),
        sa.Column("water_ml", sa.Integer(), nullable=False),
        sa.Column("healthy_weight_min_kg", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("healthy_weight_max_kg", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("current_bmi", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("bmi_category", sa.String(length=20), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "activity_level IS NULL OR activity_level IN ('sedentary', 'light', 'moderate', 'active', 'very_active')",
            name=op.f("ck_user_goals_activity_level"),
        ),
        sa.CheckConstraint(
            "bmi_category IS NULL OR bmi_category IN ('underweight', 'normal', 'overweight', 'obese')",
            name=op.f("ck_user_goals_bmi_category"),
        ),
        sa.CheckConstraint(
            "gender IS NULL OR gender IN ('male', 'female')", name=op.f("ck_user_goals_gender")
        ),
        sa.CheckConstraint(
            "goal_type IN ('calculated', 'manual')", name=op.f("ck_user_goals_goal_type")
        ),
        sa.CheckConstraint(
            "weight_change_pace IS NULL OR weight_change_pace IN ('slow', 'moderate', 'aggressive')",
            name=op.f("ck_user_goals_weight_change_pace"),
        ),
        sa.CheckConstraint(
            "weight_goal_type IS NULL OR weight_goal_type IN ('lose', 'maintain', 'gain')",
            name=op.f("ck_user_goals_weight_goal_type"),
        ),
        sa.CheckConstraint(
            "(height_cm IS NULL OR height_cm > 0) AND (current_weight_kg IS NULL OR current_weight_kg > 0) AND (target_weight_kg IS NULL OR target_weight_kg > 0)",
            name=op.f("ck_user_goals_body_metrics_positive"),
        ),
        sa.CheckConstraint("daily_calories_kcal > 0", name=op.f("ck_user_goals_calories_positive")),
        sa.CheckConstraint(
            "protein_grams >= 0 AND carbs_grams >= 0 AND fat_grams >= 0 AND water_ml >= 0",
            name=op.f("ck_user_goals_amounts_non_negative"),
        ),
        sa.CheckConstraint(
            "protein_percent + carbs_percent + fat_percent = 100",
            name=op.f("ck_user_goals_percents_sum_100"),
        ),
        sa.CheckConstraint(
            "protein_percent BETWEEN 0 AND 100 AND carbs_percent BETWEEN 0 AND 100 AND fat_percent BETWEEN 0 AND 100",
            name=op.f("ck_user_goals_percent_range"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_user_goals_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_goals")),
    )
    op.create_index(
        "ix_user_goals_sync", "user_goals", ["device_id", "updated_at", "id"], unique=False
    )
    op.create_index(
        "uq_user_goals_one_live",
        "user_goals",
        ["device_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "product_portions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("base_unit", sa.String(length=16), nullable=False),
        sa.Column("calories", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("protein", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("carbs", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("fat", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "base_unit IN ('mg', 'g', 'kg', 'ml', 'l', 'tsp', 'tbsp', 'cup', 'pcs', 'serving')",
            name=op.f("ck_product_portions_base_unit"),
        ),
        sa.CheckConstraint(
            "(protein IS NULL OR protein >= 0) AND (carbs IS NULL OR carbs >= 0) AND (fat IS NULL OR fat >= 0)",
            name=op.f("ck_product_portions_macros_non_negative"),
        ),
        sa.CheckConstraint(
            "base_amount > 0", name=op.f("ck_product_portions_base_amount_positive")
        ),
        sa.CheckConstraint("calories >= 0", name=op.f("ck_product_portions_calories_non_negative")),
        sa.CheckConstraint(
            "char_length(btrim(label)) BETWEEN 1 AND 200",
            name=op.f("ck_product_portions_label_length"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_product_portions_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id", "device_id"],
            ["products.id", "products.device_id"],
            name=op.f("fk_product_portions_product_id_device_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_portions")),
        sa.UniqueConstraint(
            "id",
            "product_id",
            "device_id",
            name=op.f("uq_product_portions_id_product_id_device_id"),
        ),
    )
    op.create_index(
        "ix_product_portions_product_live",
        "product_portions",
        ["product_id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_product_portions_sync",
        "product_portions",
        ["device_id", "updated_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_product_portions_one_default",
        "product_portions",
        ["product_id"],
        unique=True,
        postgresql_where="is_default AND deleted_at IS NULL",
    )
    op.create_table(
        "food_entries",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("portion_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("meal_type", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "meal_type IN ('breakfast', 'lunch', 'dinner', 'snacks', 'water')",
            name=op.f("ck_food_entries_meal_type"),
        ),
        sa.CheckConstraint(
            "unit IN ('mg', 'g', 'kg', 'ml', 'l', 'tsp', 'tbsp', 'cup', 'pcs', 'serving')",
            name=op.f("ck_food_entries_unit"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_food_entries_amount_positive")),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_food_entries_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["portion_id", "product_id", "device_id"],
            ["product_portions.id", "product_portions.product_id", "product_portions.device_id"],
            name=op.f("fk_food_entries_portion_id_product_id_device_id_product_portions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id", "device_id"],
            ["products.id", "products.device_id"],
            name=op.f("fk_food_entries_product_id_device_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_food_entries")),
    )
    op.create_index(
        "ix_food_entries_device_day_live",
        "food_entries",
        ["device_id", "day"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_food_entries_portion_live",
        "food_entries",
        ["portion_id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_food_entries_sync", "food_entries", ["device_id", "updated_at", "id"], unique=False
    )


def downgrade() -> None:
    # Indexes and constraints go with their tables; children before parents.
    for table in (
        "food_entries",
        "product_portions",
        "user_goals",
        "products",
        "catalog_portions",
        "body_weights",
        "rate_limit_hits",
        "devices",
        "catalog_products",
    ):
        op.drop_table(table)

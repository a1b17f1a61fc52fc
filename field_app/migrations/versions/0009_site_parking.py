"""A site's own parking point (issue 13): ``sites.park_lat``, ``sites.park_lon``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 14:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("park_lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("park_lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("park_lon")
        batch.drop_column("park_lat")

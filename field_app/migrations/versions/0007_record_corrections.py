"""Corrections of records: ``records.replaces``, ``superseded_by``, ``superseded_at``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('records', sa.Column('replaces', sa.String(length=36), nullable=True))
    op.add_column('records', sa.Column('superseded_by', sa.String(length=36), nullable=True))
    op.add_column('records', sa.Column('superseded_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('records') as batch:
        batch.drop_column('superseded_at')
        batch.drop_column('superseded_by')
        batch.drop_column('replaces')

"""Published plans kept whole (``published_plans``, ``tours.published_plan_id``): the route
sheets, GPX, ICS and GeoJSON of a published plan are made from it again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 12:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'published_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('scenario', sa.String(length=200), nullable=False),
        sa.Column('first_date', sa.Date(), nullable=False),
        sa.Column('last_date', sa.Date(), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('plan_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        op.f('ix_published_plans_content_sha256'), 'published_plans', ['content_sha256'], unique=False
    )
    op.add_column('tours', sa.Column('published_plan_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_tours_published_plan_id'), 'tours', ['published_plan_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tours_published_plan_id'), table_name='tours')
    with op.batch_alter_table('tours') as batch:
        batch.drop_column('published_plan_id')
    op.drop_index(op.f('ix_published_plans_content_sha256'), table_name='published_plans')
    op.drop_table('published_plans')

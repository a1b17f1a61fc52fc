"""Planning jobs run in the background: ``plan_jobs``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plan_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('elapsed_s', sa.Float(), nullable=True),
        sa.Column('remaining_s', sa.Float(), nullable=True),
        sa.Column('visits', sa.Integer(), nullable=True),
        sa.Column('visits_wanted', sa.Integer(), nullable=True),
        sa.Column('priority_share', sa.Float(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('worker', sa.String(length=200), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('plan_json', sa.Text(), nullable=True),
        sa.Column('task_id', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_jobs_organisation_id', 'plan_jobs', ['organisation_id'])
    op.create_index('ix_plan_jobs_state', 'plan_jobs', ['state'])


def downgrade() -> None:
    op.drop_index('ix_plan_jobs_state', table_name='plan_jobs')
    op.drop_index('ix_plan_jobs_organisation_id', table_name='plan_jobs')
    op.drop_table('plan_jobs')

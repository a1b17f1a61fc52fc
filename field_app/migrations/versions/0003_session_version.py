"""Revocable sessions and last login: ``users.session_version``, ``users.last_login_at``.

Existing users start at version 0, which is also what a cookie from before this revision counts
as, so nobody is logged out by the upgrade; the next logout, reset or deactivation ends them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('session_version')

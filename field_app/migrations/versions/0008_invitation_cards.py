"""Invitation cards (issue 12 item 7): ``invitation_cards``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 13:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invitation_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=True),
        sa.Column('tour_id', sa.Integer(), nullable=False),
        sa.Column('series', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('stop_id', sa.Integer(), nullable=True),
        sa.Column('handed_out_at', sa.DateTime(), nullable=True),
        sa.Column('handed_out_by', sa.Integer(), nullable=True),
        sa.Column('handout_record', sa.String(length=36), nullable=True),
        sa.Column('redeemed_at', sa.DateTime(), nullable=True),
        sa.Column('redeemed_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['tour_id'], ['tours.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id']),
        sa.ForeignKeyConstraint(['stop_id'], ['stops.id']),
        sa.ForeignKeyConstraint(['handed_out_by'], ['users.id']),
        sa.ForeignKeyConstraint(['redeemed_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', name='uq_invitation_cards_code'),
    )
    op.create_index('ix_invitation_cards_tour_id', 'invitation_cards', ['tour_id'])
    op.create_index('ix_invitation_cards_stop_id', 'invitation_cards', ['stop_id'])
    op.create_index('ix_invitation_cards_handed_out_at', 'invitation_cards', ['handed_out_at'])


def downgrade() -> None:
    op.drop_index('ix_invitation_cards_handed_out_at', table_name='invitation_cards')
    op.drop_index('ix_invitation_cards_stop_id', table_name='invitation_cards')
    op.drop_index('ix_invitation_cards_tour_id', table_name='invitation_cards')
    op.drop_table('invitation_cards')

"""Coop CRA data: commune of stops, coordinator's CRA completions, Coop age bands, gender and
social-status counts.

Existing rows keep what they hold: interactions are marked ``age_scheme = 'v1'`` (the first
form's bands, never converted), stops get Chambéry (INSEE 73065, postcode 73000), the scenarios'
commune, until the next publication of their plan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

INTERACTION_COUNTS = (
    'age_moins_de_douze', 'age_douze_dix_huit', 'age_dix_huit_vingt_quatre', 'age_vingt_cinq_trente_neuf',
    'age_quarante_cinquante_neuf', 'age_soixante_soixante_neuf', 'age_soixante_dix_plus',
    'genre_feminin', 'genre_masculin',
    'statut_scolarise', 'statut_sans_emploi', 'statut_en_emploi', 'statut_retraite',
)


def upgrade() -> None:
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insee', sa.String(length=5), nullable=False, server_default='73065'))
        batch_op.add_column(sa.Column('postcode', sa.String(length=5), nullable=False, server_default='73000'))
        batch_op.add_column(sa.Column('commune', sa.String(length=120), nullable=False, server_default='Chambéry'))
        batch_op.add_column(sa.Column('cra_thematiques', sa.String(length=600), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cra_niveau', sa.String(length=20), nullable=False, server_default=''))

    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_scheme', sa.String(length=8), nullable=False, server_default='v1'))
        for name in INTERACTION_COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        for name in reversed(INTERACTION_COUNTS):
            batch_op.drop_column(name)
        batch_op.drop_column('age_scheme')

    with op.batch_alter_table('stops', schema=None) as batch_op:
        for name in ('cra_niveau', 'cra_thematiques', 'commune', 'postcode', 'insee'):
            batch_op.drop_column(name)

"""The planning scenario in the database: organisations, scenario settings, sites, vehicles.

Creates the default organisation (id 1, « La Dynamo »), which owns every row until several are
hosted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'organisations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute(
        sa.text("INSERT INTO organisations (id, name, created_at) VALUES (1, 'La Dynamo', CURRENT_TIMESTAMP)")
    )
    if op.get_bind().dialect.name == 'postgresql':  # the next organisation gets id 2, not 1
        op.execute(sa.text("SELECT setval(pg_get_serial_sequence('organisations', 'id'), 1)"))
    op.create_table(
        'scenario_settings',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('depot_name', sa.String(length=200), nullable=False),
        sa.Column('depot_lat', sa.Float(), nullable=True),
        sa.Column('depot_lon', sa.Float(), nullable=True),
        sa.Column('depot_address', sa.String(length=300), nullable=False),
        sa.Column('osm_file', sa.String(length=300), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('bbox', sa.String(length=120), nullable=False),
        sa.Column('bike_speed_kph', sa.Float(), nullable=False),
        sa.Column('snap_max_m', sa.Float(), nullable=False),
        sa.Column('drive_speed_factor', sa.Float(), nullable=False),
        sa.Column('public_holidays', sa.String(length=10), nullable=False),
        sa.Column('school_zone', sa.String(length=20), nullable=False),
        sa.Column('days_off', sa.Text(), nullable=False),
        sa.Column('default_date', sa.Date(), nullable=True),
        sa.Column('options_json', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organisation_id'),
    )
    op.create_table(
        'sites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=80), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('service_min', sa.Integer(), nullable=False),
        sa.Column('windows', sa.Text(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('quartier', sa.String(length=200), nullable=False),
        sa.Column('vehicle_kinds', sa.String(length=100), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('every_days', sa.Integer(), nullable=True),
        sa.Column('visits', sa.Integer(), nullable=True),
        sa.Column('min_gap_days', sa.Integer(), nullable=True),
        sa.Column('last_visit', sa.Date(), nullable=True),
        sa.Column('insee', sa.String(length=10), nullable=False),
        sa.Column('postcode', sa.String(length=10), nullable=False),
        sa.Column('commune', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('archived', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'code', name='uq_sites_org_code'),
    )
    op.create_index('ix_sites_organisation_id', 'sites', ['organisation_id'])
    op.create_table(
        'vehicles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=80), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('profile', sa.String(length=20), nullable=False),
        sa.Column('shift_start_min', sa.Integer(), nullable=False),
        sa.Column('shift_end_min', sa.Integer(), nullable=False),
        sa.Column('working_days', sa.String(length=60), nullable=False),
        sa.Column('setup_min', sa.Integer(), nullable=False),
        sa.Column('packup_min', sa.Integer(), nullable=False),
        sa.Column('lunch_earliest_min', sa.Integer(), nullable=True),
        sa.Column('lunch_latest_min', sa.Integer(), nullable=True),
        sa.Column('lunch_minutes', sa.Integer(), nullable=True),
        sa.Column('max_drive_min', sa.Integer(), nullable=True),
        sa.Column('crew', sa.Text(), nullable=False),
        sa.Column('days_off', sa.Text(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('archived', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'code', name='uq_vehicles_org_code'),
    )
    op.create_index('ix_vehicles_organisation_id', 'vehicles', ['organisation_id'])


def downgrade() -> None:
    op.drop_index('ix_vehicles_organisation_id', table_name='vehicles')
    op.drop_table('vehicles')
    op.drop_index('ix_sites_organisation_id', table_name='sites')
    op.drop_table('sites')
    op.drop_table('scenario_settings')
    op.drop_table('organisations')

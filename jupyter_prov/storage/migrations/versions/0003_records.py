"""versioned records and invalidation: records, versions, aliases, derivations, validity events, actions

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('db_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('uri', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('ctime', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_record')),
    sa.UniqueConstraint('name', name=op.f('uq_db_record_name')),
    sa.UniqueConstraint('uuid', name=op.f('uq_db_record_uuid'))
    )
    with op.batch_alter_table('db_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_record_kind'), ['kind'], unique=False)

    op.create_table('db_record_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('ctime', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['db_record.id'], name=op.f('fk_db_record_action_record_id_db_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_record_action'))
    )
    with op.batch_alter_table('db_record_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_record_action_record_id'), ['record_id'], unique=False)

    op.create_table('db_record_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=255), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['db_record.id'], name=op.f('fk_db_record_alias_record_id_db_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_record_alias'))
    )
    with op.batch_alter_table('db_record_alias', schema=None) as batch_op:
        batch_op.create_index('ix_db_record_alias_record_alias', ['record_id', 'alias', 'id'], unique=False)

    op.create_table('db_action_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('worker', sa.String(length=255), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['db_record_action.id'], name=op.f('fk_db_action_outbox_action_id_db_record_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_action_outbox_node_id_db_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['db_node.id'], name=op.f('fk_db_action_outbox_process_id_db_node'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_action_outbox')),
    sa.UniqueConstraint('action_id', 'event_id', 'node_id', name=op.f('uq_db_action_outbox_action_id_event_id_node_id'))
    )
    with op.batch_alter_table('db_action_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_action_outbox_status'), ['status'], unique=False)

    op.create_table('db_derivation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['db_node.id'], name=op.f('fk_db_derivation_source_id_db_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['db_node.id'], name=op.f('fk_db_derivation_target_id_db_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_derivation')),
    sa.UniqueConstraint('source_id', 'target_id', name=op.f('uq_db_derivation_source_id_target_id'))
    )
    with op.batch_alter_table('db_derivation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_derivation_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_derivation_target_id'), ['target_id'], unique=False)

    op.create_table('db_node_invalid',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('root_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_node_invalid_node_id_db_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', 'root_id', name=op.f('pk_db_node_invalid'))
    )
    with op.batch_alter_table('db_node_invalid', schema=None) as batch_op:
        batch_op.create_index('ix_db_node_invalid_root', ['root_id'], unique=False)

    op.create_table('db_record_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('previous_node_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('ctime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_record_version_node_id_db_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_node_id'], ['db_node.id'], name=op.f('fk_db_record_version_previous_node_id_db_node'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['db_node.id'], name=op.f('fk_db_record_version_process_id_db_node'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['db_record.id'], name=op.f('fk_db_record_version_record_id_db_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_record_version')),
    sa.UniqueConstraint('record_id', 'number', name=op.f('uq_db_record_version_record_id_number'))
    )
    with op.batch_alter_table('db_record_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_record_version_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_record_version_previous_node_id'), ['previous_node_id'], unique=False)
        batch_op.create_index('ix_db_record_version_record_ctime', ['record_id', 'ctime'], unique=False)

    op.create_table('db_validity_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('root_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('via_node_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_validity_event_node_id_db_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_validity_event'))
    )
    with op.batch_alter_table('db_validity_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_validity_event_node_id'), ['node_id'], unique=False)
        batch_op.create_index('ix_db_validity_event_root_node', ['root_id', 'node_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('db_validity_event', schema=None) as batch_op:
        batch_op.drop_index('ix_db_validity_event_root_node')
        batch_op.drop_index(batch_op.f('ix_db_validity_event_node_id'))

    op.drop_table('db_validity_event')
    with op.batch_alter_table('db_record_version', schema=None) as batch_op:
        batch_op.drop_index('ix_db_record_version_record_ctime')
        batch_op.drop_index(batch_op.f('ix_db_record_version_previous_node_id'))
        batch_op.drop_index(batch_op.f('ix_db_record_version_node_id'))

    op.drop_table('db_record_version')
    with op.batch_alter_table('db_node_invalid', schema=None) as batch_op:
        batch_op.drop_index('ix_db_node_invalid_root')

    op.drop_table('db_node_invalid')
    with op.batch_alter_table('db_derivation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_derivation_target_id'))
        batch_op.drop_index(batch_op.f('ix_db_derivation_source_id'))

    op.drop_table('db_derivation')
    with op.batch_alter_table('db_action_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_action_outbox_status'))

    op.drop_table('db_action_outbox')
    with op.batch_alter_table('db_record_alias', schema=None) as batch_op:
        batch_op.drop_index('ix_db_record_alias_record_alias')

    op.drop_table('db_record_alias')
    with op.batch_alter_table('db_record_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_record_action_record_id'))

    op.drop_table('db_record_action')
    with op.batch_alter_table('db_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_record_kind'))

    op.drop_table('db_record')

"""process leases: the daemon's durable queue and per-process worker leases

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('db_process_lease',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('woken', sa.Boolean(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=True),
    sa.Column('worker', sa.String(length=255), nullable=True),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_process_lease_node_id_db_node'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', name=op.f('pk_db_process_lease'))
    )
    with op.batch_alter_table('db_process_lease', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_process_lease_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_process_lease_worker'), ['worker'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('db_process_lease', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_process_lease_worker'))
        batch_op.drop_index(batch_op.f('ix_db_process_lease_status'))
    op.drop_table('db_process_lease')

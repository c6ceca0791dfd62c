"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:30:10.532624
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('db_computer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('scheduler_type', sa.String(length=255), nullable=False),
    sa.Column('transport_type', sa.String(length=255), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_computer')),
    sa.UniqueConstraint('label', name=op.f('uq_db_computer_label')),
    sa.UniqueConstraint('uuid', name=op.f('uq_db_computer_uuid'))
    )
    op.create_table('db_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=1024), nullable=False),
    sa.Column('val', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_setting')),
    sa.UniqueConstraint('key', name=op.f('uq_db_setting_key'))
    )
    op.create_table('db_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=254), nullable=False),
    sa.Column('last_name', sa.String(length=254), nullable=False),
    sa.Column('institution', sa.String(length=254), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_user')),
    sa.UniqueConstraint('email', name=op.f('uq_db_user_email'))
    )
    op.create_table('db_authinfo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('computer_id', sa.Integer(), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('auth_params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['computer_id'], ['db_computer.id'], name=op.f('fk_db_authinfo_computer_id_db_computer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['db_user.id'], name=op.f('fk_db_authinfo_user_id_db_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_authinfo')),
    sa.UniqueConstraint('user_id', 'computer_id', name=op.f('uq_db_authinfo_user_id_computer_id'))
    )
    with op.batch_alter_table('db_authinfo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_authinfo_computer_id'), ['computer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_authinfo_user_id'), ['user_id'], unique=False)

    op.create_table('db_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('type_string', sa.String(length=255), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('extras', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['db_user.id'], name=op.f('fk_db_group_user_id_db_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_group')),
    sa.UniqueConstraint('label', 'type_string', name=op.f('uq_db_group_label_type_string')),
    sa.UniqueConstraint('uuid', name=op.f('uq_db_group_uuid'))
    )
    with op.batch_alter_table('db_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_group_label'), ['label'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_group_type_string'), ['type_string'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_group_user_id'), ['user_id'], unique=False)

    op.create_table('db_node',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_type', sa.String(length=255), nullable=False),
    sa.Column('process_type', sa.String(length=255), nullable=True),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('ctime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mtime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('computer_id', sa.Integer(), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extras', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('repository_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('node_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['computer_id'], ['db_computer.id'], name=op.f('fk_db_node_computer_id_db_computer'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['db_user.id'], name=op.f('fk_db_node_user_id_db_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_node')),
    sa.UniqueConstraint('uuid', name=op.f('uq_db_node_uuid'))
    )
    with op.batch_alter_table('db_node', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_node_computer_id'), ['computer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_node_ctime'), ['ctime'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_node_node_type'), ['node_type'], unique=False)
        batch_op.create_index('ix_db_node_process_hash', ['node_hash'], unique=False, sqlite_where=sa.text('process_type IS NOT NULL'), postgresql_where=sa.text('process_type IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_db_node_process_type'), ['process_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_node_user_id'), ['user_id'], unique=False)

    op.create_table('db_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('ctime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mtime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_comment_node_id_db_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['db_user.id'], name=op.f('fk_db_comment_user_id_db_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_comment')),
    sa.UniqueConstraint('uuid', name=op.f('uq_db_comment_uuid'))
    )
    with op.batch_alter_table('db_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_comment_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_comment_user_id'), ['user_id'], unique=False)

    op.create_table('db_group_node',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['db_group.id'], name=op.f('fk_db_group_node_group_id_db_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_group_node_node_id_db_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_group_node')),
    sa.UniqueConstraint('group_id', 'node_id', name=op.f('uq_db_group_node_group_id_node_id'))
    )
    with op.batch_alter_table('db_group_node', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_group_node_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_group_node_node_id'), ['node_id'], unique=False)

    op.create_table('db_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('input_id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['input_id'], ['db_node.id'], name=op.f('fk_db_link_input_id_db_node'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['db_node.id'], name=op.f('fk_db_link_output_id_db_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_link'))
    )
    with op.batch_alter_table('db_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_link_input_id'), ['input_id'], unique=False)
        batch_op.create_index('ix_db_link_input_type', ['input_id', 'type'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_link_label'), ['label'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_link_output_id'), ['output_id'], unique=False)
        batch_op.create_index('ix_db_link_output_type', ['output_id', 'type'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_link_type'), ['type'], unique=False)
        batch_op.create_index('uq_db_link_one_caller', ['output_id'], unique=True, sqlite_where=sa.text("type IN ('call_calc', 'call_work')"), postgresql_where=sa.text("type IN ('call_calc', 'call_work')"))
        batch_op.create_index('uq_db_link_one_creator', ['output_id'], unique=True, sqlite_where=sa.text("type = 'create'"), postgresql_where=sa.text("type = 'create'"))
        batch_op.create_index('uq_db_link_unique_input_label', ['output_id', 'label'], unique=True, sqlite_where=sa.text("type IN ('input_calc', 'input_work')"), postgresql_where=sa.text("type IN ('input_calc', 'input_work')"))
        batch_op.create_index('uq_db_link_unique_output_label', ['input_id', 'label'], unique=True, sqlite_where=sa.text("type IN ('create', 'return')"), postgresql_where=sa.text("type IN ('create', 'return')"))

    op.create_table('db_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loggername', sa.String(length=255), nullable=False),
    sa.Column('levelname', sa.String(length=50), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['db_node.id'], name=op.f('fk_db_log_node_id_db_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_db_log')),
    sa.UniqueConstraint('uuid', name=op.f('uq_db_log_uuid'))
    )
    with op.batch_alter_table('db_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_db_log_levelname'), ['levelname'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_log_loggername'), ['loggername'], unique=False)
        batch_op.create_index(batch_op.f('ix_db_log_node_id'), ['node_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('db_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_log_node_id'))
        batch_op.drop_index(batch_op.f('ix_db_log_loggername'))
        batch_op.drop_index(batch_op.f('ix_db_log_levelname'))

    op.drop_table('db_log')
    with op.batch_alter_table('db_link', schema=None) as batch_op:
        batch_op.drop_index('uq_db_link_unique_output_label', sqlite_where=sa.text("type IN ('create', 'return')"), postgresql_where=sa.text("type IN ('create', 'return')"))
        batch_op.drop_index('uq_db_link_unique_input_label', sqlite_where=sa.text("type IN ('input_calc', 'input_work')"), postgresql_where=sa.text("type IN ('input_calc', 'input_work')"))
        batch_op.drop_index('uq_db_link_one_creator', sqlite_where=sa.text("type = 'create'"), postgresql_where=sa.text("type = 'create'"))
        batch_op.drop_index('uq_db_link_one_caller', sqlite_where=sa.text("type IN ('call_calc', 'call_work')"), postgresql_where=sa.text("type IN ('call_calc', 'call_work')"))
        batch_op.drop_index(batch_op.f('ix_db_link_type'))
        batch_op.drop_index('ix_db_link_output_type')
        batch_op.drop_index(batch_op.f('ix_db_link_output_id'))
        batch_op.drop_index(batch_op.f('ix_db_link_label'))
        batch_op.drop_index('ix_db_link_input_type')
        batch_op.drop_index(batch_op.f('ix_db_link_input_id'))

    op.drop_table('db_link')
    with op.batch_alter_table('db_group_node', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_group_node_node_id'))
        batch_op.drop_index(batch_op.f('ix_db_group_node_group_id'))

    op.drop_table('db_group_node')
    with op.batch_alter_table('db_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_comment_user_id'))
        batch_op.drop_index(batch_op.f('ix_db_comment_node_id'))

    op.drop_table('db_comment')
    with op.batch_alter_table('db_node', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_node_user_id'))
        batch_op.drop_index(batch_op.f('ix_db_node_process_type'))
        batch_op.drop_index('ix_db_node_process_hash', sqlite_where=sa.text('process_type IS NOT NULL'), postgresql_where=sa.text('process_type IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_db_node_node_type'))
        batch_op.drop_index(batch_op.f('ix_db_node_ctime'))
        batch_op.drop_index(batch_op.f('ix_db_node_computer_id'))

    op.drop_table('db_node')
    with op.batch_alter_table('db_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_group_user_id'))
        batch_op.drop_index(batch_op.f('ix_db_group_type_string'))
        batch_op.drop_index(batch_op.f('ix_db_group_label'))

    op.drop_table('db_group')
    with op.batch_alter_table('db_authinfo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_db_authinfo_user_id'))
        batch_op.drop_index(batch_op.f('ix_db_authinfo_computer_id'))

    op.drop_table('db_authinfo')
    op.drop_table('db_user')
    op.drop_table('db_setting')
    op.drop_table('db_computer')

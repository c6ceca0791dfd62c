"""The SQL schema: one set of tables for SQLite and PostgreSQL.

JSON columns are ``JSON`` on SQLite and ``JSONB`` on PostgreSQL. Table and column names follow the
shape of AiiDA's schema so archives map across plainly. Migrations in ``migrations/`` create exactly
this schema (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

JsonType = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

LABEL_LENGTH = 255
UUID_LENGTH = 36

users = Table(
    "db_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("first_name", String(254), nullable=False, default=""),
    Column("last_name", String(254), nullable=False, default=""),
    Column("institution", String(254), nullable=False, default=""),
)

computers = Table(
    "db_computer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("label", String(LABEL_LENGTH), nullable=False, unique=True),
    Column("hostname", String(LABEL_LENGTH), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("scheduler_type", String(LABEL_LENGTH), nullable=False, default=""),
    Column("transport_type", String(LABEL_LENGTH), nullable=False, default=""),
    Column("metadata", JsonType, nullable=False, default=dict),
)

authinfos = Table(
    "db_authinfo",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("db_user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("computer_id", Integer, ForeignKey("db_computer.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("metadata", JsonType, nullable=False, default=dict),
    Column("auth_params", JsonType, nullable=False, default=dict),
    Column("enabled", Boolean, nullable=False, default=True),
    UniqueConstraint("user_id", "computer_id"),
)

nodes = Table(
    "db_node",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("node_type", String(LABEL_LENGTH), nullable=False, index=True),
    Column("process_type", String(LABEL_LENGTH), nullable=True, index=True),
    Column("label", String(LABEL_LENGTH), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("ctime", DateTime(timezone=True), nullable=False, index=True),
    Column("mtime", DateTime(timezone=True), nullable=False),
    Column("user_id", Integer, ForeignKey("db_user.id", ondelete="RESTRICT"), nullable=False, index=True),
    Column("computer_id", Integer, ForeignKey("db_computer.id", ondelete="RESTRICT"), nullable=True, index=True),
    Column("attributes", JsonType, nullable=False, default=dict),
    Column("extras", JsonType, nullable=False, default=dict),
    Column("repository_metadata", JsonType, nullable=False, default=dict),
    Column("node_hash", String(64), nullable=True),
)
# Caching looks hashes up for processes only; indexing just those keeps bulk data inserts fast.
Index("ix_db_node_process_hash", nodes.c.node_hash, sqlite_where=text("process_type IS NOT NULL"),
      postgresql_where=text("process_type IS NOT NULL"))

links = Table(
    "db_link",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("input_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("output_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(LABEL_LENGTH), nullable=False, index=True),
    Column("type", String(LABEL_LENGTH), nullable=False, index=True),
)

groups = Table(
    "db_group",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("label", String(LABEL_LENGTH), nullable=False, index=True),
    Column("type_string", String(LABEL_LENGTH), nullable=False, default="core", index=True),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("extras", JsonType, nullable=False, default=dict),
    Column("user_id", Integer, ForeignKey("db_user.id", ondelete="CASCADE"), nullable=False, index=True),
    UniqueConstraint("label", "type_string"),
)

group_nodes = Table(
    "db_group_node",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("db_group.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    UniqueConstraint("group_id", "node_id"),
)

comments = Table(
    "db_comment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("ctime", DateTime(timezone=True), nullable=False),
    Column("mtime", DateTime(timezone=True), nullable=False),
    Column("user_id", Integer, ForeignKey("db_user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("content", Text, nullable=False, default=""),
)

logs = Table(
    "db_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("loggername", String(LABEL_LENGTH), nullable=False, default="", index=True),
    Column("levelname", String(50), nullable=False, default="", index=True),
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("message", Text, nullable=False, default=""),
    Column("metadata", JsonType, nullable=False, default=dict),
)

settings = Table(
    "db_setting",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(1024), nullable=False, unique=True),
    Column("val", JsonType, nullable=True),
    Column("description", Text, nullable=False, default=""),
    Column("time", DateTime(timezone=True), nullable=False),
)

# One row per submitted process that is not terminal yet: the daemon's durable queue and the lease of the
# worker running it (see jupyter_prov/daemon/leases.py). Broker messages only wake workers up.
process_leases = Table(
    "db_process_lease",
    metadata,
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(16), nullable=False, index=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("woken", Boolean, nullable=False, default=False),
    Column("action", String(16), nullable=True),
    Column("worker", String(LABEL_LENGTH), nullable=True, index=True),
    Column("expires", DateTime(timezone=True), nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=False),
)

Index("ix_db_link_input_type", links.c.input_id, links.c.type)
Index("ix_db_link_output_type", links.c.output_id, links.c.type)

# Degree rules of the provenance graph that the database itself guarantees (see orm/links.py):
# a datum has one creator, a process one caller, output labels and input labels are unique per process.
_CREATE = "type = 'create'"
_CALL = "type IN ('call_calc', 'call_work')"
_OUTPUT = "type IN ('create', 'return')"
_INPUT = "type IN ('input_calc', 'input_work')"
for _name, _columns, _where in (
    ("uq_db_link_one_creator", (links.c.output_id,), _CREATE),
    ("uq_db_link_one_caller", (links.c.output_id,), _CALL),
    ("uq_db_link_unique_output_label", (links.c.input_id, links.c.label), _OUTPUT),
    ("uq_db_link_unique_input_label", (links.c.output_id, links.c.label), _INPUT),
):
    Index(_name, *_columns, unique=True, sqlite_where=text(_where), postgresql_where=text(_where))

# ---- versioned records and invalidation (jupyter_prov/records/, issue #17) -------------------------------
# A record is a stable name whose versions are ordinary immutable nodes; nothing here changes a node.
records = Table(
    "db_record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(UUID_LENGTH), nullable=False, unique=True),
    Column("name", String(LABEL_LENGTH), nullable=False, unique=True),
    Column("uri", Text, nullable=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("description", Text, nullable=False, default=""),
    Column("metadata", JsonType, nullable=False, default=dict),
    Column("frozen", Boolean, nullable=False, default=False),
    Column("ctime", DateTime(timezone=True), nullable=False),
)

# version N of a record is node_id; previous_node_id is the version it revises (PROV wasRevisionOf)
record_versions = Table(
    "db_record_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("db_record.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("previous_node_id", Integer, ForeignKey("db_node.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("content_hash", String(64), nullable=False),
    Column("ctime", DateTime(timezone=True), nullable=False),
    Column("actor", String(LABEL_LENGTH), nullable=False, default=""),
    Column("process_id", Integer, ForeignKey("db_node.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("record_id", "number"),
)
Index("ix_db_record_version_record_ctime", record_versions.c.record_id, record_versions.c.ctime)

# every move of an alias (version_number NULL: removed); the current target is the newest row
record_aliases = Table(
    "db_record_alias",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("db_record.id", ondelete="CASCADE"), nullable=False),
    Column("alias", String(LABEL_LENGTH), nullable=False),
    Column("version_number", Integer, nullable=True),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("actor", String(LABEL_LENGTH), nullable=False, default=""),
)
Index("ix_db_record_alias_record_alias", record_aliases.c.record_id, record_aliases.c.alias, record_aliases.c.id)

# a node derived from another without a process in between (PROV wasDerivedFrom): followed by the cascade
derivations = Table(
    "db_derivation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("target_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    UniqueConstraint("source_id", "target_id"),
)

# validity as append-only events; root_id/parent_id name other events (no foreign key: deleting a node
# deletes its events without touching the chains of others)
validity_events = Table(
    "db_validity_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("root_id", Integer, nullable=True),
    Column("parent_id", Integer, nullable=True),
    Column("via_node_id", Integer, nullable=True),
    Column("actor", String(LABEL_LENGTH), nullable=False, default=""),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("cause", Text, nullable=False, default=""),
)
Index("ix_db_validity_event_root_node", validity_events.c.root_id, validity_events.c.node_id)

# current validity, materialised in the transaction of each event: one row per (invalid node, root event)
node_invalidity = Table(
    "db_node_invalid",
    metadata,
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), primary_key=True),
    Column("root_id", Integer, primary_key=True),
    Column("event_id", Integer, nullable=False),
)
Index("ix_db_node_invalid_root", node_invalidity.c.root_id)

# what to do when a version of a record (or of any record of a kind) becomes invalid
record_actions = Table(
    "db_record_action",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("db_record.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("kind", String(32), nullable=True),
    Column("action", String(16), nullable=False),
    Column("target", Text, nullable=False, default=""),
    Column("ctime", DateTime(timezone=True), nullable=False),
)

# actions queued in the invalidation's transaction; a worker claims a row once and records its outcome
action_outbox = Table(
    "db_action_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action_id", Integer, ForeignKey("db_record_action.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("node_id", Integer, ForeignKey("db_node.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("worker", String(LABEL_LENGTH), nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("outcome", JsonType, nullable=True),
    Column("process_id", Integer, ForeignKey("db_node.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("action_id", "event_id", "node_id"),
)

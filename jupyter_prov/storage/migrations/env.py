"""Alembic environment: migrations run on the engine handed in by :func:`upgrade`."""

from alembic import context

from jupyter_prov.storage.schema import metadata

engine = context.config.attributes.get("engine")
if engine is None:
    raise RuntimeError("jupyter-prov migrations run through jupyter_prov.storage.migrations.upgrade()")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

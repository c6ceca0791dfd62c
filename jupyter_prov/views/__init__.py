"""Plain, JSON-ready data that every face renders: the ``jprov`` CLI, the ``%provenance`` magics and the
notebook widgets (``views/graph.py`` is the widgets' columnar graph format).

Every function here returns only ``str``, ``int``, ``float``, ``bool``, ``None``, lists and dicts, with
times as ISO-8601 strings in UTC, so that a face can print it, send it as JSON or put it in a table
without knowing the ORM. No HTML, click, rich or traitlets here: rendering is the face's job. Errors are
the package's own (:class:`jupyter_prov.errors.JprovError`): an unknown node is the ORM's
:class:`~jupyter_prov.orm.NotExistent`, a bad argument a :class:`~jupyter_prov.orm.QueryError`.

Every function is safe to call from several threads at once (the server runs them in a thread pool, a
widget's comm handler on ipykernel's subshell thread): each query takes its own connection from the
storage's pool (a transaction is per thread, ``StorageBackend._local``), file sizes are read through a
repository container of their own, and nothing is kept between calls. Functions that read nodes take
``storage=`` (default: the loaded profile's) so an archive opened read-only answers the same questions.

- :mod:`.nodes`: a node's summary and detail, and a paged search
- :mod:`.processes`: process lists, details, trees and log reports
- :mod:`.health`: the profile's storage, repository, broker and daemon
- :mod:`.lineage`: a notebook variable's versions, slice and ancestry
- :mod:`.query`: a QueryBuilder's rows as column names and plain values
"""

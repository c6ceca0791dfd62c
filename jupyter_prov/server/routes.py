"""Every route of the extension, under ``/jupyter-prov/api/`` (the server's ``base_url`` in front).

=========================================  ======  ===========================================================
route                                      verbs   what
=========================================  ======  ===========================================================
``status``                                 GET     version, served profile, event mode (``?health=true``: checks)
``profiles``                               GET     configured profiles, which one is served
``profiles/current``                       GET PUT the served profile; PUT ``{"name"}`` switches it
``nodes``                                  GET     search: filters, sorted and paged on the server, capped
``nodes/<pk or uuid>``                     GET     detail: attributes, extras, files, links
``nodes/<pk or uuid>/graph``               GET     neighbourhood, columnar (``format=json|binary``)
``processes``                              GET     list: ``states``, ``root_only``, ``offset``, ``limit``
``processes/<pk>``                         GET     detail
``processes/<pk>/tree``                    GET     what it called, recursively
``processes/<pk>/report``                  GET     its log and its children's
``processes/<pk>/(pause|play|kill)``       POST    control one process
``processes/control``                      POST    ``{"action", "pks"}``: control several
``daemon``                                 GET     status
``daemon/start``, ``daemon/stop``          POST    start (``{"workers"}``) or stop the daemon
``daemon/workers``                         POST    ``{"delta": +n or -n}``: add or remove workers
``archives/inspect``                       GET     ``?path=``: what an archive holds (metadata, counts)
``archives/nodes``                         GET     ``?path=`` + search parameters: its nodes, read in place
``archives/nodes/<pk or uuid>``            GET     ``?path=``: one node of the archive
``archives/nodes/<pk or uuid>/graph``      GET     ``?path=``: a neighbourhood inside the archive
``archives/import``                        POST    ``{"path", "dry_run"}``: import into the served profile
``notebooks/identity``                     GET     ``?path=``: the notebook's id, for its metadata
=========================================  ======  ===========================================================

Recording a notebook is per kernel and goes over a kernel comm, not here.
"""

from __future__ import annotations

from .archives import (
    ArchiveGraphHandler,
    ArchiveImportHandler,
    ArchiveInspectHandler,
    ArchiveNodeHandler,
    ArchiveNodesHandler,
)
from .daemon import DaemonStartHandler, DaemonStatusHandler, DaemonStopHandler, DaemonWorkersHandler
from .nodes import NodeDetailHandler, NodeGraphHandler, NodeSearchHandler
from .notebooks import NotebookIdentityHandler
from .processes import (
    ProcessActionHandler,
    ProcessControlHandler,
    ProcessDetailHandler,
    ProcessListHandler,
    ProcessReportHandler,
    ProcessTreeHandler,
)
from .profiles import CurrentProfileHandler, ProfilesHandler, StatusHandler

PREFIX = "/jupyter-prov/api"
_NODE = r"(?P<identifier>[^/]+)"
_PK = r"(?P<pk>[^/]+)"


def routes() -> list[tuple[str, type]]:
    table = [
        ("status", StatusHandler),
        ("profiles", ProfilesHandler),
        ("profiles/current", CurrentProfileHandler),
        ("nodes", NodeSearchHandler),
        (f"nodes/{_NODE}", NodeDetailHandler),
        (f"nodes/{_NODE}/graph", NodeGraphHandler),
        ("processes", ProcessListHandler),
        ("processes/control", ProcessControlHandler),
        (f"processes/{_PK}", ProcessDetailHandler),
        (f"processes/{_PK}/tree", ProcessTreeHandler),
        (f"processes/{_PK}/report", ProcessReportHandler),
        (f"processes/{_PK}/(?P<action>pause|play|kill)", ProcessActionHandler),
        ("daemon", DaemonStatusHandler),
        ("daemon/start", DaemonStartHandler),
        ("daemon/stop", DaemonStopHandler),
        ("daemon/workers", DaemonWorkersHandler),
        ("archives/inspect", ArchiveInspectHandler),
        ("archives/nodes", ArchiveNodesHandler),
        (f"archives/nodes/{_NODE}", ArchiveNodeHandler),
        (f"archives/nodes/{_NODE}/graph", ArchiveGraphHandler),
        ("archives/import", ArchiveImportHandler),
        ("notebooks/identity", NotebookIdentityHandler),
    ]
    return [(f"{PREFIX}/{path}", handler) for path, handler in table]

"""The provenance model: nodes, links and the other entities, on the loaded profile's storage."""

from .comments import Comment
from .computers import AuthInfo, Computer
from .current import get_profile, get_storage, load_profile, unload_profile
from .exceptions import (
    LinkError,
    ModificationNotAllowed,
    MultipleObjectsError,
    NotExistent,
    OrmError,
    StoringNotAllowed,
    ValidationError,
)
from .groups import Group
from .links import LinkTriple, LinkType
from .logs import Log
from .nodes import (
    Array,
    BaseType,
    Bool,
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    CellExecutionNode,
    Data,
    Dict,
    File,
    Float,
    Folder,
    GraphNode,
    Int,
    List,
    Node,
    ProcessNode,
    ProcessState,
    Reference,
    RemoteFolder,
    Str,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
    load_node,
    load_nodes,
    store_all,
    to_data,
)
from .users import User
from .querybuilder import QueryBuilder, QueryError  # noqa: E402  (needs the node classes above)

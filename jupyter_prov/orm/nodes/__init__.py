"""Node kinds."""

from .array import Array
from .data import BaseType, Bool, Data, Dict, Float, Int, List, Reference, Str, to_data
from .files import File, Folder, RemoteFolder
from .node import Node, load_node, load_nodes, store_all
from .process import (
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    CellExecutionNode,
    GraphNode,
    ProcessNode,
    ProcessState,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
)

__all__ = [
    "Array",
    "BaseType",
    "Bool",
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationNode",
    "CellExecutionNode",
    "Data",
    "Dict",
    "File",
    "Float",
    "Folder",
    "GraphNode",
    "Int",
    "List",
    "Node",
    "ProcessNode",
    "ProcessState",
    "Reference",
    "RemoteFolder",
    "Str",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "load_node",
    "load_nodes",
    "store_all",
    "to_data",
]

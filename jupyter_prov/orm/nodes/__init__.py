"""Node kinds."""

from .aiida_arrays import ArrayData, KpointsData, XyData
from .aiida_codes import InstalledCode, LegacyCode, ShellCode
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
from .structure import StructureData

__all__ = [
    "Array",
    "ArrayData",
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
    "InstalledCode",
    "Int",
    "KpointsData",
    "LegacyCode",
    "List",
    "Node",
    "ProcessNode",
    "ProcessState",
    "Reference",
    "RemoteFolder",
    "ShellCode",
    "Str",
    "StructureData",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "XyData",
    "load_node",
    "load_nodes",
    "store_all",
    "to_data",
]

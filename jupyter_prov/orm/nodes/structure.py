"""aiida-core's ``StructureData``: a periodic cell, its kinds and sites, on aiida-core's own attribute layout.

Attributes as aiida-core 2.x writes them (so a structure from an AiiDA archive exports back unchanged and
one made here imports into aiida-core): ``cell`` (3×3, Å), ``pbc1``..``pbc3``, ``kinds`` (``name``,
``symbols``, ``weights``, ``mass``) and ``sites`` (``kind_name``, ``position`` in Å). ASE and pymatgen are
optional: :meth:`StructureData.get_ase` / :meth:`get_pymatgen` import them only when called and say which
package to install when it is missing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

from ..exceptions import ValidationError
from .data import Data


@dataclass(frozen=True)
class Kind:
    """One kind of site: a name, one or more chemical symbols with weights (alloys), a mass."""

    name: str
    symbols: tuple[str, ...]
    weights: tuple[float, ...]
    mass: float

    @property
    def symbol(self) -> str:
        if len(self.symbols) != 1:
            raise ValueError(f"kind {self.name!r} is an alloy or has vacancies: {self.symbols}")
        return self.symbols[0]


@dataclass(frozen=True)
class Site:
    kind_name: str
    position: tuple[float, float, float]


def _hill(counts: Counter) -> str:
    """Hill notation (aiida-core's default ``get_formula`` mode): C, H, then the rest alphabetically."""
    order = sorted(counts)
    if "C" in counts:
        order = ["C"] + (["H"] if "H" in counts else []) + [s for s in order if s not in ("C", "H")]
    return "".join(f"{s}{counts[s] if counts[s] != 1 else ''}" for s in order)


class StructureData(Data):
    """A crystal or molecule: ``StructureData(cell=[[...], [...], [...]], pbc=(True, True, True))``."""

    _type_string: ClassVar[str] = "data.core.structure.StructureData."
    __slots__ = ()

    def __init__(self, cell: Sequence[Sequence[float]] | None = None, pbc: Sequence[bool] = (True, True, True),
                 **kwargs: Any):
        super().__init__(**kwargs)
        if cell is not None:
            self.set_cell(cell, pbc)

    def set_cell(self, cell: Sequence[Sequence[float]], pbc: Sequence[bool] = (True, True, True)) -> None:
        self._check_mutable("cell")
        try:
            rows = [[float(x) for x in row] for row in cell]
        except (TypeError, ValueError):
            raise ValidationError(f"a cell is three vectors of three numbers, got {cell!r}") from None
        if len(rows) != 3 or any(len(row) != 3 for row in rows) or len(pbc) != 3:
            raise ValidationError(f"a cell is three vectors of three numbers and pbc three booleans, got {cell!r}")
        self._attributes.update({"cell": rows, "pbc1": bool(pbc[0]), "pbc2": bool(pbc[1]), "pbc3": bool(pbc[2])})
        self._attributes.setdefault("kinds", [])
        self._attributes.setdefault("sites", [])

    def append_atom(self, position: Sequence[float], symbols: str, name: str | None = None,
                    mass: float | None = None) -> None:
        """Add a site of element ``symbols`` at ``position`` (Å); its kind is made on first use."""
        self._check_mutable("sites")
        name = name or symbols
        kinds = self._attributes.setdefault("kinds", [])
        if not any(kind["name"] == name for kind in kinds):
            kinds.append({"symbols": [symbols], "weights": [1.0], "mass": float(mass or _mass(symbols)), "name": name})
        if len(position) != 3:
            raise ValidationError(f"a site position is three numbers, got {list(position)!r}")
        self._attributes.setdefault("sites", []).append(
            {"position": [float(x) for x in position], "kind_name": name})

    @property
    def cell(self) -> list[list[float]]:
        return [list(row) for row in self._attributes.get("cell", [])]

    @property
    def pbc(self) -> tuple[bool, bool, bool]:
        get = self._attributes.get
        return bool(get("pbc1", True)), bool(get("pbc2", True)), bool(get("pbc3", True))

    @property
    def kinds(self) -> list[Kind]:
        return [Kind(k["name"], tuple(k["symbols"]), tuple(float(w) for w in k["weights"]), float(k.get("mass", 0.0)))
                for k in self._attributes.get("kinds", [])]

    @property
    def sites(self) -> list[Site]:
        return [Site(s["kind_name"], (float(s["position"][0]), float(s["position"][1]), float(s["position"][2])))
                for s in self._attributes.get("sites", [])]

    def get_kind(self, name: str) -> Kind:
        for kind in self.kinds:
            if kind.name == name:
                return kind
        raise KeyError(f"{self!r} has no kind {name!r}")

    def get_formula(self) -> str:
        """The chemical formula in Hill notation (``Si2``, ``CH4``, ``H2O``)."""
        by_name = {kind.name: kind for kind in self.kinds}
        counts: Counter = Counter()
        for site in self.sites:
            for symbol in by_name[site.kind_name].symbols:
                counts[symbol] += 1
        return _hill(counts)

    @property
    def value(self) -> dict[str, Any]:
        return {"cell": self.cell, "pbc": self.pbc, "formula": self.get_formula()}

    def get_ase(self) -> Any:
        """An ``ase.Atoms`` (needs ASE: ``pip install ase``)."""
        try:
            import ase
        except ImportError:
            raise ImportError("StructureData.get_ase() needs ASE: pip install ase") from None
        by_name = {kind.name: kind for kind in self.kinds}
        return ase.Atoms(symbols=[by_name[site.kind_name].symbol for site in self.sites],
                         positions=[site.position for site in self.sites], cell=self.cell, pbc=self.pbc)

    def get_pymatgen(self) -> Any:
        """A ``pymatgen`` ``Structure`` (periodic) or ``Molecule`` (no periodicity); needs pymatgen."""
        try:
            from pymatgen.core import Molecule, Structure
        except ImportError:
            raise ImportError("StructureData.get_pymatgen() needs pymatgen: pip install pymatgen") from None
        by_name = {kind.name: kind for kind in self.kinds}
        species = [by_name[site.kind_name].symbol for site in self.sites]
        positions = [site.position for site in self.sites]
        if not any(self.pbc):
            return Molecule(species, positions)
        return Structure(self.cell, species, positions, coords_are_cartesian=True)

    @classmethod
    def from_ase(cls, atoms: Any, **kwargs: Any) -> StructureData:
        """A structure from an ``ase.Atoms`` (cell, periodicity, symbols, positions, masses)."""
        node = cls(cell=atoms.cell.tolist(), pbc=[bool(p) for p in atoms.pbc], **kwargs)
        for symbol, position, mass in zip(atoms.get_chemical_symbols(), atoms.positions.tolist(), atoms.get_masses()):
            node.append_atom(position, symbol, mass=float(mass))
        return node


# standard atomic weights of the lighter elements (IUPAC 2021, abridged); other masses must be given
_MASSES = {
    "H": 1.008, "He": 4.0026, "Li": 6.94, "Be": 9.0122, "B": 10.81, "C": 12.011, "N": 14.007, "O": 15.999,
    "F": 18.998, "Ne": 20.180, "Na": 22.990, "Mg": 24.305, "Al": 26.982, "Si": 28.0855, "P": 30.974,
    "S": 32.06, "Cl": 35.45, "Ar": 39.95, "K": 39.098, "Ca": 40.078, "Ti": 47.867, "Fe": 55.845,
    "Co": 58.933, "Ni": 58.693, "Cu": 63.546, "Zn": 65.38, "Ga": 69.723, "Ge": 72.630, "As": 74.922,
    "Ag": 107.87, "Au": 196.97, "Pt": 195.08, "Pb": 207.2,
}


def _mass(symbol: str) -> float:
    try:
        return _MASSES[symbol]
    except KeyError:
        raise ValidationError(f"no standard mass known here for {symbol!r}: pass mass=") from None

"""The use cases of the Braid DB README as executable examples, with real calcfunctions, on both backends.

Each builds the workflow of the use case, records its products as versioned records, updates them, and asks
the question the use case needs answered.
"""

from __future__ import annotations

from jupyter_prov.engine import calcfunction
from jupyter_prov.orm import Dict, Float, List
from jupyter_prov.records import (
    Config, Dataset, Fact, Model, Record, invalidate, is_invalid, status, trained_on, versions_trained_on, why,
)


@calcfunction
def simulate(config):
    return Dict({"events": config["energy"] * 10})


@calcfunction
def train(simulation, experiment):
    return Dict({"weights": [simulation["events"], experiment["counts"]]})


@calcfunction
def to_fpga(model):
    return Dict({"bitstream": sum(model["weights"]) % 251})


def test_slac_simulations_and_experiment_train_a_model_deployed_to_an_fpga(profile):
    config = Fact.create("slac-experiment-config", tags={"facility": "SLAC"})
    experiment = Dataset.create("slac-experiment-data")
    model = Model.create("slac-model")
    fpga = Record.create("slac-fpga-bitstream")
    c1 = config.update({"energy": 7})
    e1 = experiment.update({"counts": 100})
    m1 = model.update(train(simulate(c1.node), e1.node))
    f1 = fpga.update(to_fpga(m1.node))
    # the experiment continues: new data, the model is updated, the old version stays usable
    e2 = experiment.update({"counts": 150})
    m2 = model.update(train(simulate(c1.node), e2.node))
    fpga.update(to_fpga(m2.node))
    assert model["v1"].node.get_dict() == {"weights": [70, 100]}
    assert to_fpga(model["v1"].node).get_dict() == f1.node.get_dict()  # an old version, used again
    assert {v["record"] for v in trained_on(m2)["versions"]} == {"slac-experiment-config", "slac-experiment-data"}
    assert versions_trained_on("slac-model", e1) == [1]
    # data of run 1 found to be bad: model v1 and its bitstream are invalid, v2 is not
    plan = invalidate(e1, "detector saturation in run 1", dry_run=True)
    assert plan["records"] == {"slac-experiment-data": [1], "slac-fpga-bitstream": [1], "slac-model": [1]}
    invalidate(e1, "detector saturation in run 1")
    assert is_invalid(f1) and not is_invalid(fpga["latest"]) and not is_invalid(m2)


@calcfunction
def find_peaks(raw):
    return List([x for x in raw.get_list() if x > 5])


@calcfunction
def train_braggnn(peaks):
    return Dict({"centre": sum(peaks.get_list()) / len(peaks.get_list())})


@calcfunction
def infer(model, raw):
    return List([round(x - model["centre"], 2) for x in raw.get_list()])


def test_braggnn_peaks_model_inferred_peaks(profile):
    raw = Dataset.create("aps-raw-scattering").update([1, 7, 9, 3, 11])
    peaks = Dataset.create("braggnn-peaks").update(find_peaks(raw.node))
    model = Model.create("braggnn").update(train_braggnn(peaks.node))
    inferred = Dataset.create("braggnn-inferred-peaks").update(infer(model.node, raw.node))
    assert inferred.node.get_list() == [-8.0, -2.0, 0.0, -6.0, 2.0]
    affected = invalidate(peaks, "peak finder threshold wrong", dry_run=True)
    assert affected["records"] == {"braggnn": [1], "braggnn-inferred-peaks": [1], "braggnn-peaks": [1]}
    assert not is_invalid(raw)


@calcfunction
def analyse(beamline, phil, frames):
    return Dict({"experiment": phil["experiment"], "reflections": len(frames.get_list()) * beamline["gain"]})


@calcfunction
def merge(prime, **ints):
    chosen = [ints[name]["reflections"] for name in prime["intlist"]]
    return Dict({"structure": sum(chosen), "from": sorted(prime["intlist"])})


def test_ssx_int_files_from_several_experiments_make_a_structure(profile):
    beamline = Config.create("beamline.json").update({"gain": 2})
    ints = {}
    for n in (1, 2, 3):
        phil = Config.create(f"process-{n}.phil").update({"experiment": n})
        frames = Dataset.create(f"frames-{n}").update(list(range(n * 10)))
        ints[f"exp{n}"] = Dataset.create(f"int-{n}").update(analyse(beamline.node, phil.node, frames.node))
    structure = Record.create("lysozyme-structure")
    s1 = structure.update(merge(Dict({"intlist": ["exp1", "exp2"]}), **{k: v.node for k, v in ints.items()}))
    s2 = structure.update(merge(Dict({"intlist": ["exp2", "exp3"]}), **{k: v.node for k, v in ints.items()}))
    assert s1.node.get_dict() == {"structure": 60, "from": ["exp1", "exp2"]}
    # every int file is an input of the merge; the structure's lineage holds all configs it depended on
    assert {v["record"] for v in trained_on(s2, kind="Config")["versions"]} >= {"beamline.json", "process-3.phil"}
    invalidate("process-1.phil@v1", "wrong detector distance")
    assert is_invalid(ints["exp1"]) and not is_invalid(ints["exp2"])
    assert is_invalid(s1) and is_invalid(s2)  # both merges took int-1 as an input (the intlist is inside)
    assert why(s2)["invalid"][0]["cause"] == "wrong detector distance"


@calcfunction
def segment(model, scan):
    return List([v * model["threshold"] for v in scan.get_list()])


@calcfunction
def retrain(model, segmentation):
    return Dict({"threshold": round(model["threshold"] * 0.9 + 0.01 * len(segmentation.get_list()), 4)})


def test_ctsegnet_models_trained_on_inferences_of_earlier_models(profile):
    scan = Dataset.create("tomobank-00072", tags={"tomobank_id": 72}).update([1, 2, 3])
    masks = Dataset.create("masks").update([0, 1, 1])
    model = Model.create("ctsegnet")
    version = model.update(retrain(Dict({"threshold": 0.5}), masks.node))
    for _ in range(3):  # infer, then re-train on the new segmentations: the loop
        segmentation = segment(version.node, scan.node)
        version = model.update(retrain(version.node, segmentation))
    assert version.number == 4
    answer = trained_on(version)
    assert {(v["record"], v["version"]) for v in answer["versions"]} == {
        ("ctsegnet", 1), ("ctsegnet", 2), ("ctsegnet", 3), ("masks", 1), ("tomobank-00072", 1)}
    assert [v["record"] for v in trained_on(version, tags={"tomobank_id": 72})["versions"]] == ["tomobank-00072"]
    invalidate(model["v1"], "trained on mislabeled masks")
    assert all(is_invalid(model[n]) for n in (1, 2, 3, 4))
    assert not is_invalid(scan.node)


@calcfunction
def autoencode(encoder, data):
    return List([x * encoder["scale"] for x in data.get_list()])


@calcfunction
def reduce_dimensions(features):
    return Float(sum(features.get_list()) / len(features.get_list()))


@calcfunction
def fit(reduced, model_structure):
    return Dict({"j1": round(reduced.value * model_structure["coupling"], 3)})


def test_samarakoon_osborn_autoencoder_then_fit(profile):
    data = Dataset.create("neutron-scattering").update([2, 4, 6])
    encoder = Model.create("autoencoder")
    structure = Config.create("spin-ice-model").update({"coupling": 1.5})
    result = Record.create("fit")
    e1 = encoder.update({"scale": 1})
    r1 = result.update(fit(reduce_dimensions(autoencode(e1.node, data.node)), structure.node))
    e2 = encoder.update({"scale": 2})
    r2 = result.update(fit(reduce_dimensions(autoencode(e2.node, data.node)), structure.node))
    difference = result.diff(r1, r2)
    assert difference["lineage"]["changed"] == [{"record": "autoencoder", "from": [1], "to": [2]}]
    assert difference["content"]["attributes"]["changed"] == ["j1"]  # the fitted coupling moved
    assert status(r1)["stale"] == [{"record": "autoencoder", "used": 1, "newest": 2}]
    assert status(r2)["status"] == "valid"

"""System plug-ins (summarizers and translators), selected by ``type`` in a config."""

from __future__ import annotations

from harness.registry import Registry
from harness.systems.base import System, SystemParams

#: built-in system types, plus those installed packages declare in the ``harness.systems``
#: entry-point group (``[project.entry-points."harness.systems"] mine = "mypkg.mine:Mine"``)
SYSTEMS: Registry[type[System]] = Registry("system type", entry_point_group="harness.systems")
SYSTEMS.register("lead", "harness.systems.lead:Lead")
SYSTEMS.register("identity", "harness.systems.identity:Identity")
SYSTEMS.register("outputs", "harness.systems.outputs:Outputs")
SYSTEMS.register("hf-seq2seq", "harness.systems.hf_seq2seq:HFSeq2Seq")
SYSTEMS.register("hf-causal", "harness.systems.hf_causal:HFCausal")
SYSTEMS.register("pipeline", "harness.systems.pipeline:Pipeline")
SYSTEMS.register("ct2", "harness.systems.ct2:CT2")
SYSTEMS.register("llama-cpp", "harness.systems.llama_cpp:LlamaCpp")
SYSTEMS.register("openai", "harness.systems.openai_api:OpenAICompatible")

__all__ = ["SYSTEMS", "System", "SystemParams"]

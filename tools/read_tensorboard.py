"""Reads a run folder's TensorBoard event files with TensorBoard's own EventAccumulator and prints what it found as
JSON: every scalar (tag -> [[step, value], ...]), every image (tag -> [[step, width, height, PNG byte count, the
decoded size]]), and the HParams plugin's session_start_info values. TensorBoardTrainingTest runs it.

    python tools/read_tensorboard.py runs/r20
"""
import io
import json
import sys

from PIL import Image
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2


def main(run_dir):
    acc = event_accumulator.EventAccumulator(run_dir, size_guidance={event_accumulator.SCALARS: 0,
                                                                      event_accumulator.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    out = {"scalars": {}, "images": {}, "hparams": None, "experiment_metrics": None, "session_end": None}
    for tag in tags["scalars"]:
        out["scalars"][tag] = [[e.step, e.value] for e in acc.Scalars(tag)]
    for tag in tags["images"]:
        rows = []
        for e in acc.Images(tag):
            decoded = Image.open(io.BytesIO(e.encoded_image_string))
            decoded.load()
            rows.append([e.step, e.width, e.height, len(e.encoded_image_string), list(decoded.size)])
        out["images"][tag] = rows
    for tag, content in acc.PluginTagToContent("hparams").items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if data.HasField("session_start_info"):
            hp = {}
            for k, v in data.session_start_info.hparams.items():
                kind = v.WhichOneof("kind")
                hp[k] = getattr(v, kind)
            out["hparams"] = hp
        elif data.HasField("experiment"):
            out["experiment_metrics"] = [m.name.tag for m in data.experiment.metric_infos]
        elif data.HasField("session_end_info"):
            out["session_end"] = plugin_data_pb2.HParamsPluginData.DESCRIPTOR.fields_by_name[
                "session_end_info"].message_type.fields_by_name["status"].enum_type.values_by_number[
                data.session_end_info.status].name
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])

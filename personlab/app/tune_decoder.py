"""Decoder settings measured, not guessed: COCO AP of one model under a grid of mobile-decoder settings.

The model runs once per image and its raw outputs stay in memory; every setting is then decoded and
scored on the same outputs, one setting changed at a time from the artifact's defaults, so a row's
difference from the defaults is the setting's alone. Meant for held-back train images (a checkpoint
trained with `--holdout N`, scored with `--split train --limit N`): settings are never chosen on val.
"""

from __future__ import annotations

from dataclasses import dataclass

import mobile_decoder
from personlab.evaluate import coco_eval, model_outputs

#: Each setting's values around the defaults (personlab/decoder_config.py), one changed at a time.
DEFAULT_GRID: dict[str, tuple] = {
    "peak_threshold": (0.02, 0.1),
    "refine_steps": (1, 3),
    "nms_radius": (5.0, 15.0, 20.0),
    "keypoint_floor": (0.05, 0.2),
    "min_person_score": (0.01, 0.05),
    "long_range_recovery": (False,),
    "vote_sigma": (1.5, 3.0),
    "centroid_steps": (1, 5),
    "max_people": (20,),
    "min_scale": (8.0, 32.0),
    "mask_stride": (1, 4),
    "mask_distance": (0.3, 0.7, 1.0),
    "seg_threshold": (0.4, 0.6),
    "mask_min_score": (0.05, 0.2),
    "mask_refine_steps": (0, 2),
}


@dataclass(frozen=True)
class Row:
    setting: str  # "" for the defaults
    value: object
    keypoint_ap: float
    mask_ap: float


def parse_grid(items: list[str], defaults: mobile_decoder.Settings) -> dict[str, tuple]:
    """'name=v1,v2' items -> {name: values}, each value of the setting's own type (checked by Settings)."""
    grid = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--grid {item!r}: expected NAME=V1,V2,...")
        kind = type(defaults.to_dict().get(name, 0.0))
        parse = (lambda v: {"true": True, "false": False}[v.lower()]) if kind is bool else kind
        try:
            grid[name] = tuple(parse(v) for v in values.split(","))
        except (KeyError, ValueError) as err:
            raise ValueError(f"--grid {item!r}: {name} takes {kind.__name__} values") from err
        for value in grid[name]:
            defaults.replace(**{name: value})  # an unknown name or a bad value fails here, before any work
    return grid


def study(predictor, dataset, image_ids: list[int], grid: dict[str, tuple], progress=None) -> list[Row]:
    """The defaults' row, then one row per (setting, value) of the grid."""
    defaults = mobile_decoder.Settings.from_metadata(predictor.metadata)
    outputs = list(model_outputs(predictor, dataset, image_ids, raw=True))
    runs = [("", None)] + [(name, value) for name, values in grid.items() for value in values]
    rows = []
    for name, value in runs if progress is None else progress(runs):
        settings = defaults.replace(**{name: value}) if name else defaults
        results = [
            r
            for image_id, affine, hw, raw in outputs
            for r in mobile_decoder.decode_image(raw, predictor.metadata, affine, image_id, hw, settings)
        ]
        stats = coco_eval(dataset.coco, results, image_ids)
        rows.append(Row(name, value, stats["keypoints/AP"], stats["segm/AP"]))
    return rows


def markdown(rows: list[Row], title: str, command: str) -> str:
    """A table of each row's APs and their change from the defaults (the first row)."""
    base = rows[0]
    lines = [
        f"# {title}",
        "",
        f"Regenerate: `{command}`",
        "",
        "| setting | value | kp AP | mask AP | kp AP change | mask AP change |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        name = f"`{row.setting}`" if row.setting else "defaults"
        value = "" if row.value is None else row.value
        change = f"{row.keypoint_ap - base.keypoint_ap:+.4f} | {row.mask_ap - base.mask_ap:+.4f}"
        lines.append(f"| {name} | {value} | {row.keypoint_ap:.4f} | {row.mask_ap:.4f} | {change} |")
    return "\n".join(lines) + "\n"

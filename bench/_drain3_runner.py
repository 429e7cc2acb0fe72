"""Runs drain3 with its defaults over the Loghub samples; executed by bench/clustering in drain3's own venv.

Prints one JSON object: {dataset: {"assignments": [cluster id per line], "seconds": float}}. It imports
nothing of ours (drain3 pins old dependencies, so it lives in a virtualenv of its own).
"""

import csv
import json
import logging
import sys
import time
from pathlib import Path

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig


def main(data_dir: str, repeats: int, datasets: list[str]) -> None:
    logging.disable(logging.CRITICAL)
    out = {}
    for name in datasets:
        with Path(data_dir, f"{name}_2k.log_structured_corrected.csv").open(newline="", encoding="utf-8") as handle:
            lines = [row["Content"] for row in csv.DictReader(handle)]
        samples = []
        for _ in range(repeats):  # the median of a few runs, as for ours: the machine's load varies
            config = TemplateMinerConfig()
            config.profiling_enabled = False
            started = time.perf_counter()
            miner = TemplateMiner(config=config)
            assignments = [miner.add_log_message(line)["cluster_id"] for line in lines]
            samples.append(time.perf_counter() - started)
        out[name] = {"assignments": assignments, "seconds": sorted(samples)[len(samples) // 2]}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])

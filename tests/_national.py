"""A national bulletin of the kind Div Humas Polri publishes, built for tests (SYNTHETIC figures).

One row a day for the whole country: gangguan kamtibmas in the four groups, traffic accidents with
MD, LB, LR and material loss, demonstrations and Polri personnel on duty, as in the bulletin of
26 Nov 2023 (660 gangguan kamtibmas: 626 kejahatan, 10 pelanggaran, 20 gangguan, 4 bencana; 193
accidents, 18 MD, 24 LB, 198 LR, Rp 406,650,000; 4 demonstrations; 14,317 personnel). The daily
figures here are Poisson draws around those levels (seeded): they are not real bulletins, and
the dataset says `synthetic = true`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

HEADER = "Tanggal;Wilayah;Kejahatan;Pelanggaran;Gangguan;Bencana;Unras;Laka;MD;LB;LR;Rugi Materiil;Personel"
LEVELS = {"kejahatan": 626, "pelanggaran": 10, "gangguan": 20, "bencana": 4, "unras": 4, "laka": 193}
"""Daily means: the bulletin of 26 Nov 2023."""
WEEKS = {"OMB-2023-2024": dt.date(2024, 1, 31), "OMP-2024": dt.date(2024, 11, 13)}
"""First day of the four weeks drawn for each operation (around its voting day)."""


def _thousands(value: int) -> str:
    """14317 -> "14.317", 0 -> "-": how Indonesian spreadsheets write counts."""
    return "-" if value == 0 else f"{value:,}".replace(",", ".")


def bulletin_rows(seed: int = 17, days: int = 28, region: str | None = "Indonesia") -> list[str]:
    """Semicolon rows of the bulletin, both operations; `region` None leaves the column out."""
    rng = np.random.default_rng(seed)
    lines = [HEADER if region is not None else HEADER.replace(";Wilayah", "")]
    for start in WEEKS.values():
        for k in range(days):
            day = start + dt.timedelta(days=k)
            counts = {name: int(rng.poisson(mean)) for name, mean in LEVELS.items()}
            md, lb, lr = (int(rng.poisson(m)) for m in (18, 24, 198))
            loss = int(rng.poisson(406_650)) * 1_000
            personnel = int(rng.poisson(14_317))
            cells = [
                day.strftime("%d/%m/%Y"),
                *([region] if region is not None else []),
                *(_thousands(v) for v in counts.values()),
                _thousands(md),
                _thousands(lb),
                _thousands(lr),
                _thousands(loss),
                _thousands(personnel),
            ]
            lines.append(";".join(cells))
    return lines


TOML = 'name = "Buletin nasional (SINTETIS, untuk uji)"\nsynthetic = true\n'


def write_bulletin(folder: Path, *, region: str | None = "Indonesia", days: int = 28) -> Path:
    """A dataset folder holding the national bulletin as `laporan_harian.csv` (and its dataset.toml)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "laporan_harian.csv").write_text("\n".join(bulletin_rows(days=days, region=region)) + "\n", "utf-8")
    toml = TOML + ("national = true\n" if region is None else "")
    (folder / "dataset.toml").write_text(toml, encoding="utf-8")
    return folder

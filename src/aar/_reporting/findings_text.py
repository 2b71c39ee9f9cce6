"""The findings of the analysis (`aar.findings`, numbers only) written as sentences from the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from .._data.schema import CATEGORY, PHASE
from .._messages import Messages
from . import formatting as fmt
from . import words


def sentence(row: Mapping[str, Any], names: Mapping[str, str], baseline: str, target: str, lang: str) -> Markup:
    """One finding in words: a rate ratio, the clearance rate, the deployment, or an evaluator's row."""
    t = Messages(lang)
    b, g = names[baseline], names[target]
    metric, scope = row["metric"], row["scope"]
    if row["source"] == "evaluator":
        key = "findings.plan.example" if row["example"] and not _marked(row["observation"]) else "findings.plan"
        return t(key, capability=row["capability"], observation=row["observation"])
    if metric == "clearance_rate":
        up = row["target"] > row["baseline"]
        return t(
            "findings.clearance.up" if up else "findings.clearance.down",
            points=fmt.number(abs(row["target"] - row["baseline"]) * 100, lang, 1),
            after=fmt.percent(row["target"] * 100, lang),
            before=fmt.percent(row["baseline"] * 100, lang),
            target=g,
            baseline=b,
            p=fmt.p_text(row["p_value"], lang),
        )
    if metric == "police_shortfall":
        if row["kind"] == "improve":
            return t(
                "findings.deployment.short",
                target=g,
                short=fmt.number(row["regions_short"], lang),
                regions=fmt.number(row["regions"], lang),
                missing=fmt.number(row["target"], lang),
            )
        if row["regions"] == 1:
            return t("findings.deployment.met.one", target=g)
        return t("findings.deployment.met", target=g, regions=fmt.number(row["regions"], lang))
    if scope == "overall":
        subject = t("findings.subject.overall")
    elif scope == "category":
        subject = t("findings.subject.category", label=CATEGORY.label(row["subject"], lang))
    else:
        subject = t("findings.subject.phase", label=PHASE.label(row["subject"], lang))
    up = row["ratio"] > 1
    return t(
        "findings.rate.up" if up else "findings.rate.down",
        subject=subject,
        percent=fmt.percent(abs(row["ratio"] - 1) * 100, lang),
        after=fmt.number(row["target"], lang, 2),
        before=fmt.number(row["baseline"], lang, 2),
        rate=words.rate_words(metric, lang),
        target=g,
        baseline=b,
        ratio=fmt.ratio(row["ratio"], lang),
        interval=words.interval(row["ci_low"], row["ci_high"], lang),
    )


def _marked(observation: object) -> bool:
    return str(observation).upper().startswith(("CONTOH", "EXAMPLE"))

"""Translation through pivot languages, as Argos's ``CompositeTranslation`` chains its
models (fa→fr as fa→en, then en→fr), each leg on Khabar's own batched engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from khabar.translate.engine import PIVOT_ARROW, ArgosEngine, Scored
from khabar.translate.split import join, split_sentences


class PivotEngine:
    """Translates through pivot languages (fa→en→fr) when no installed model does it directly.

    Each leg is an :class:`ArgosEngine` and runs as one batched call over every sentence
    of the run. As in Argos's ``CompositeTranslation``, each leg's output is split into
    sentences again and those go to the next leg (a model may turn one sentence into
    two); they are joined back, so each source sentence still has one translation, which
    the translation memory keeps under the chain's identity.
    """

    def __init__(
        self, legs: Sequence[ArgosEngine], split: Callable[[str], list[str]] = split_sentences
    ) -> None:
        if len(legs) < 2:
            raise ValueError("a pivot chain has at least two models")
        for first, second in pairwise(legs):
            if first.to_code != second.from_code:
                raise ValueError(f"{first.model_name} does not feed {second.model_name}")
        self.legs = tuple(legs)
        self._split = split

    @property
    def from_code(self) -> str:
        """The language the first model reads."""
        return self.legs[0].from_code

    @property
    def to_code(self) -> str:
        """The language the last model writes."""
        return self.legs[-1].to_code

    @property
    def via(self) -> tuple[str, ...]:
        """The pivot languages, in order, e.g. ("en",)."""
        return tuple(leg.to_code for leg in self.legs[:-1])

    @property
    def engine_name(self) -> str:
        """The software, as for one model: every leg runs in the same argostranslate."""
        return self.legs[0].engine_name

    @property
    def model_name(self) -> str:
        """Every model, in order: "translate-fa_en 1.9 → translate-en_fr 1.9"."""
        return PIVOT_ARROW.join(leg.model_name for leg in self.legs)

    @property
    def identity(self) -> str:
        """Every leg's identity: a pivot translation is never taken for a direct one, and
        changing either model changes it."""
        return PIVOT_ARROW.join(leg.identity for leg in self.legs)

    @property
    def calls(self) -> int:
        """Sentences sent to any of the models."""
        return sum(leg.calls for leg in self.legs)

    def translate(self, sentences: Sequence[str]) -> list[str]:
        """One batched call per leg; blank sentences stay blank."""
        return [r.text for r in self.translate_scored(sentences)]

    def translate_scored(self, sentences: Sequence[str]) -> list[Scored]:
        """`translate`, each sentence with the confidence of its weakest step: the lowest
        score of the first leg's sentence and of every piece the next legs translated."""
        current = self.legs[0].translate_scored(sentences)
        for leg in self.legs[1:]:
            parts = [[p for p in self._split(r.text) if p.strip()] for r in current]
            results = iter(leg.translate_scored([p for ps in parts for p in ps]))
            step: list[Scored] = []
            for before, ps in zip(current, parts, strict=True):
                got = [next(results) for _ in ps]
                scores = [s for s in (before.score, *(g.score for g in got)) if s is not None]
                step.append(Scored(join(g.text for g in got), min(scores) if scores else None))
            current = step
        return current

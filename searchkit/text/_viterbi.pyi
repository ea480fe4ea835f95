from collections.abc import Iterable, Sequence

class Decoder:
    def __init__(
        self,
        transitions: tuple[float, float, float, float],
        ngram_differences: tuple[float, float, float, float],
        bigram_codes: Iterable[int],
        trigram_heads: Iterable[int],
        trigram_codes: Iterable[int],
        base: int,
    ) -> None: ...
    def decode(self, found: Sequence[tuple[object, ...]], tolerance: float, /) -> tuple[list[int], bool]: ...

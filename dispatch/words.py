"""分词: descriptions cut into words (jieba), so that keywords match whole words only.

The one place that imports jieba. One tokenizer per process; the routing rules' keywords
are added to its dictionary so that they come out as words of their own.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources when present, which newer setuptools deprecate.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", UserWarning)
    import jieba

jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at DEBUG to stderr

# A keyword weighs like a common word: enough that "小区路灯不亮" comes out as 路灯/不/亮
# (not 路/灯不亮), not so much that it splits the words around it ("马路灯光" stays
# 马路/灯光, "马路灯箱" stays 马路/灯箱). Tried against the demo and bench vocabulary.
KEYWORD_FREQUENCY = 10_000
_SPACE = re.compile(r"\s+")

_tokenizer = jieba.Tokenizer()
_lock = threading.Lock()
_added: set[str] = set()


def normalize(text: str) -> str:
    """Full-width forms folded (ＡＢＣ１ → abc1), lower case, runs of spaces as one."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def cut(text: str) -> list[str]:
    """The words of `text` (normalized), spaces dropped."""
    return [w for w in _tokenizer.cut(normalize(text), HMM=False) if not w.isspace()]


def add_words(words: Iterable[str]) -> None:
    """Make each word (normalized, without spaces) a word of the dictionary."""
    new = {w for w in words if w and w not in _added}
    if not new:
        return
    with _lock:
        _tokenizer.check_initialized()
        for word in new:
            frequency = max(KEYWORD_FREQUENCY, _tokenizer.FREQ.get(word) or 0)
            _tokenizer.add_word(word, frequency)
            _added.add(word)


def warm_up() -> None:
    """Load the dictionary now (about half a second) rather than on the first case."""
    _tokenizer.check_initialized()

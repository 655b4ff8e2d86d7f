"""Training the local brief's learned models: ``make train`` (``python -m summarizer.local.training``).

Reads the silver briefs (``../shared/silver``) and the articles they were written from
(``../shared/corpora``), parses them with the same pipeline the bot uses, derives examples
(``examples``), fits logistic regressions with scikit-learn (``fit``) and writes their weights
as plain JSON to ``summarizer/local/models/``, which the bot loads with nothing but the
standard library. With a gold set (``../shared/dev-set``) it also chooses the few settings
(thresholds, item counts) on it, by the shared scorer's figures.

scikit-learn is a development dependency: the bot never imports this package.
"""

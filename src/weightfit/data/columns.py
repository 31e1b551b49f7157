"""Which column is what: header vocabularies of the exports people actually have.

Names are compared after ``normalise``: lower case, accents kept, ``<>``, quotes, dots, underscores
and repeated spaces folded (``<CLOSE>`` -> ``close``, ``Adj_Close`` -> ``adj close``, ``4. close``
-> ``close``, ``Close/Last`` -> ``close/last``).
"""

from __future__ import annotations

import re

# the price columns, best first: an adjusted close beats a close beats a last price
ADJUSTED = ["adj close", "adjusted close", "adjclose", "adj close price", "adjusted"]
CLOSE = [
    "close",
    "close/last",
    "close price",
    "closing price",
    "last",
    "last price",
    "price",
    "y",
    "value",
    # German, French, Spanish, Italian, Dutch, Portuguese, Polish exports
    "schlusskurs",
    "schluss",
    "zuletzt",
    "letzter",
    "kurs",
    "schlusspreis",
    "clôture",
    "cloture",
    "dernier",
    "cierre",
    "último",
    "ultimo",
    "chiusura",
    "slot",
    "slotkoers",
    "laatst",
    "fechamento",
    "zamknięcie",
    "zamkniecie",
]
DATE = [
    "date",
    "datetime",
    "date/time",
    "timestamp",
    "ds",
    "day",
    "open time",
    "opentime",
    "time",
    "period",
    "datum",
    "date de cotation",
    "fecha",
    "data",
    "datetime utc",
    "date time",
    "trade date",
    "tradedate",
]
TIME = ["time", "hour", "zeit", "hora", "heure", "ora"]
ID = ["unique id", "ticker", "symbol", "name", "code", "id", "isin", "instrument", "tickers"]
# the other columns of OHLCV bars, in the languages of the portals people export from
OPEN = [
    "open",
    "opening",
    "open price",
    "eröffnung",
    "eroeffnung",
    "eröffn",
    "eröffnungskurs",
    "erster",
    "ouverture",
    "ouv",
    "apertura",
    "abertura",
    "otwarcie",
]
HIGH = [
    "high",
    "high price",
    "hoch",
    "tageshoch",
    "plus haut",
    "haut",
    "máximo",
    "maximo",
    "máxima",
    "maxima",
    "massimo",
    "hoog",
    "najwyższy",
]
LOW = [
    "low",
    "low price",
    "tief",
    "tagestief",
    "plus bas",
    "bas",
    "mínimo",
    "minimo",
    "mínima",
    "minima",
    "laag",
    "najniższy",
]
VOLUME = [
    "volume",
    "vol",
    "volumen",
    "umsatz",
    "stück",
    "stueck",
    "volume (shares)",
    "wolumen",
    "volumes",
]
# known columns that are not prices: never picked as the price, never read as a wide ticker
OTHER = [
    *OPEN,
    *HIGH,
    *LOW,
    *VOLUME,
    "change %",
    "change",
    "openint",
    "open interest",
    "per",
    "close time",
    "quote asset volume",
    "quote volume",
    "number of trades",
    "trades",
    "count",
    "taker buy base asset volume",
    "taker buy quote asset volume",
    "taker buy base volume",
    "taker buy quote volume",
    "ignore",
    "dividends",
    "stock splits",
    "split coefficient",
    "dividend amount",
    "veränderung",
    "änderung",
    "+/- %",
    "var %",
    "var%",
    "% var",
    "variation %",
    "variación %",
    "variazione %",
    "vwap",
    "turnover",
]


def normalise(name: object) -> str:
    """A header cell as compared, folded to lower case and plain words.

    >>> normalise("<ADJ_CLOSE>"), normalise("4. close"), normalise("Vol.")
    ('adj close', 'close', 'vol')
    """
    s = str(name).strip().strip("\ufeff").strip('"').strip("'").lower()
    s = s.strip("<>").replace("_", " ").replace("\xa0", " ")
    s = re.sub(r"^\d+[a-z]?\.\s*", "", s)  # Alpha Vantage's "1. open", "5. adjusted close"
    s = s.replace(".", "").strip()  # "Vol." -> "vol", "Adj. Close" -> "adj close"
    s = re.sub(r"\s*\((usd|eur|\$|€|chf|gbp)\)$", "", s)  # "Close (USD)"
    return re.sub(r"\s+", " ", s)


def find(columns: list[str], vocabulary: list[str]) -> str | None:
    """The first column (in vocabulary order) whose normalised name is in ``vocabulary``."""
    names = {normalise(c): c for c in reversed(columns)}
    for word in vocabulary:
        if word in names:
            return names[word]
    return None


def is_known(column: str) -> bool:
    n = normalise(column)
    return n in OTHER or n in DATE or n in TIME or n in ID or n in CLOSE or n in ADJUSTED

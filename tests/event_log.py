"""Write a small OSINT event log in the CIR monitor's format, for the tests of pair generation."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["entry", "date", "event_group", "title", "brief description", "lat", "lon", "country", "province",
           "district", "town/city", "arms/munition", "violence level", "link", "geolocation"]


def write_event_log(path, events):
    """events: (entry, date, event_group, title, country, town) tuples; the description is the title without its date."""
    rows = [dict.fromkeys(COLUMNS, "") | {"entry": e, "date": d, "event_group": g, "title": t, "brief description": t[11:],
                                          "country": c, "town/city": town} for e, d, g, t, c, town in events]
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path

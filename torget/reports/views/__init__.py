"""The citizen pages, one module per part of the site: browse.py (front page, around a place,
all reports, open data), submit.py (a new report and its confirmation), report.py (one report
and what people do on it), mine.py (my page)."""

"""Replies by e-mail: signatures and names in realistic Norwegian replies are taken out
(the reply is published as the body's answer, and a bare "Helsing" and a name once went out
with it)."""

import pytest

from torget.delivery.inbound import trim_reply

# Replies as kommune staff write them, and what of each is theirs to publish.
REPLIES = [
    (
        "Hei Kari,\n\nTakk for meldinga. Vi fyller holet på torsdag.\n\nHelsing\nPer Olsen\n",
        "Takk for meldinga. Vi fyller holet på torsdag.",
    ),
    (
        "Hei!\nVi har bestilt ny lyspære.\n\nHilsen\nKari Nordmann\nKommunalteknikk\n",
        "Vi har bestilt ny lyspære.",
    ),
    ("Vi ser på saken i neste veke.\nHelsing Per\n", "Vi ser på saken i neste veke."),
    ("Hullet er fylt.\n\nMvh.\nOla Bø\n", "Hullet er fylt."),
    (
        "Hei Ola Nordmann!\nDet er ordna.\n\nMed venleg helsing\nSara Saksbehandlar\n"
        "Vegavdelinga, Kongsvinger kommune\n",
        "Det er ordna.",
    ),
    (
        "Vi har fylt hullet.\n\nKari Nordmann\nKongsvinger kommune\nTlf. 62 88 50 00\n"
        "kari.nordmann@kongsvinger.kommune.no\n",
        "Vi har fylt hullet.",
    ),
    ("Søppelet er henta.\n\nHilsen fra Per\n", "Søppelet er henta."),
    # What must stay.
    (
        "Hei, vi har fylt hullet.\nHilsen fra oss alle er at det tar litt tid.\n",
        "Hei, vi har fylt hullet.\nHilsen fra oss alle er at det tar litt tid.",
    ),
    (
        "Vi har fylt hullet.\n\nSaken har nummer 2024/123456 i arkivet vårt.\n",
        "Vi har fylt hullet.\n\nSaken har nummer 2024/123456 i arkivet vårt.",
    ),
    ("Takk for meldingen\n\nVi kommer i morgen.\n", "Takk for meldingen\n\nVi kommer i morgen."),
]


@pytest.mark.parametrize(("text", "expected"), REPLIES, ids=range(len(REPLIES)))
def test_signatures_and_names_in_norwegian_replies_are_taken_out(text, expected):
    assert trim_reply(text) == expected

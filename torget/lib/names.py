"""Names and slugs for Norwegian text."""

from django.utils.text import slugify

# NFKD (what slugify uses) drops these letters instead of transliterating them.
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def norwegian_slug(text: str) -> str:
    """'Tromsø kommune' -> 'tromso-kommune'."""
    return slugify(text.translate(NORWEGIAN_LETTERS))

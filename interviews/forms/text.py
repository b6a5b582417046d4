"""Text as the forms hand it on."""


def unix_newlines(cleaned: dict) -> dict:
    """``cleaned`` (changed in place) with the \\r\\n that browsers send turned into \\n in every
    text, so saving the same text twice stores the same thing and "nothing changed" compares
    equal."""
    for name, value in cleaned.items():
        if isinstance(value, str):
            cleaned[name] = value.replace("\r\n", "\n")
    return cleaned

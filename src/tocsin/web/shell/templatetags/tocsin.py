from django import template

register = template.Library()


@register.filter
def safe_url(url):
    """The URL if it is a web address (``tocsin.links.web_url``: http(s) with a host, the
    rule the reports follow too), else empty: an imported file may hold javascript:,
    data: or file: links, which are then shown as text."""
    from tocsin.links import web_url

    return web_url(url) or ""


@register.filter
def bar(value, width=160):
    """Pixel width of a 0-100 score in a bar of ``width`` pixels."""
    try:
        return max(0, min(int(width), round(float(value) * int(width) / 100)))
    except (TypeError, ValueError):
        return 0


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def label(value, group=None):
    """A coded value (``very-high``) as a word in the interface's language; ``group``
    (risk, resilience, affiliation, confidence, ...) says what it qualifies."""
    from tocsin.web.shell.labels import label as value_label

    return value_label(value, group)


@register.filter
def domid(value):
    """An item id usable as an HTML id and a CSS selector (ids may hold dots)."""
    return dom_id(value)


def dom_id(value) -> str:
    return "".join(c if c.isalnum() or c in "-_" else f"_{ord(c):x}_" for c in str(value))


@register.filter
def role_name(role):
    from tocsin.web.shell.labels import ROLE_NAMES

    return ROLE_NAMES.get(role, role)


@register.filter
def as_json(value):
    import json

    if value is None:
        return ""
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def severity_name(code):
    """An alert severity's code (``critical``) as a word of the interface's language."""
    from tocsin.web.shell.labels import SEVERITY_NAMES

    return SEVERITY_NAMES.get(code, code)

"""Small text filters for templates."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def ltr(value) -> str:
    """Text that always reads left to right, also in an Arabic sentence: a phone number "030 123 45 67" would
    otherwise show its groups in reverse order ("67 45 123 030")."""
    return format_html('<bdi dir="ltr">{}</bdi>', value)

"""Template filters for personal data: ``{{ name|masked_name }}``, ``{{ phone|masked_phone }}``."""

from django import template

from gongzhi.core.masking import mask_name, mask_phone

register = template.Library()
register.filter("masked_name", mask_name)
register.filter("masked_phone", mask_phone)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """``{{ names|get_item:code }}``: a value looked up by a key that is itself a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None

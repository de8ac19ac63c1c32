from django import template
from django.utils import timezone

from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.persian import to_persian_digits

register = template.Library()


@register.inclusion_tag("dashboard/_figure.html")
def figure(fig):
    """A chart with its table beside it and the table's .xlsx export link."""
    return {
        "figure": fig,
        "chart_id": f"chart-{fig.slug}",
        "data_id": f"chart-{fig.slug}-data",
        "config": fig.chart_config(),
    }


@register.filter
def jalali_datetime(value):
    """A stored moment as the Jalali date and time in Tehran, in Persian digits."""

    if value is None:
        return ""
    local = timezone.localtime(value)
    return to_persian_digits(f"{format_jalali(local)} {local:%H:%M}")

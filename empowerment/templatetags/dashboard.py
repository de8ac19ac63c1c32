from django import template

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

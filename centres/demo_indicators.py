"""Demo neighbourhood indicators for Isfahan (Districts 10, 14 and 3) and Karaj.

The figures are invented but plausible. As the source article says, District 14 has the
city's largest share of young people and its smallest share of people over 65. Recorded
through `indicator_record`, which replaces a period's figures: running it again changes
nothing.
"""

from decimal import Decimal

from . import services

SOURCE = "برآورد نمونه (داده‌های نمایشی)"

# Baseline of 1403 per neighbourhood: population, youth %, over 65 %, unemployment %,
# and the levels (0-4) of addiction, poverty, unemployment and insecurity.
BASELINE = {
    "hesseh": (28000, "31.5", "4.2", "17.8", (3, 3, 3, 2)),
    "jolvan": (19500, "30.2", "4.8", "16.4", (3, 3, 3, 2)),
    "arzanan": (24000, "27.1", "6.3", "14.2", (2, 3, 2, 2)),
    "jolfa": (15000, "21.4", "11.8", "9.5", (1, 1, 1, 1)),
    "eslamabad": (41000, "28.8", "5.5", "15.9", (3, 3, 3, 3)),
}
# Where the centre works (Districts 10 and 14, Karaj), unemployment falls year by year.
SERVED = {"hesseh", "jolvan", "arzanan", "eslamabad"}
# Yearly figures for past years, quarterly ones for the current year so far.
PERIODS = [(1402, None), (1403, None), (1404, None), (1405, 1), (1405, 2)]


def _figures(key: str, year: int, quarter: int | None) -> dict:
    population, youth, over_65, unemployment, levels = BASELINE[key]
    steps = (year - 1403) + (0 if quarter is None else (quarter - 1) * 0.25)
    fall = Decimal("0.6") if key in SERVED else Decimal("0.1")
    problems = list(levels)
    if key in SERVED and year >= 1405:
        problems[2] = max(problems[2] - 1, 0)  # the unemployment level eases
    return {
        "population": round(population * (1 + 0.012 * steps)),
        "youth_share": (Decimal(youth) - Decimal("0.2") * Decimal(str(steps))).quantize(
            Decimal("0.01")
        ),
        "over_65_share": (Decimal(over_65) + Decimal("0.1") * Decimal(str(steps))).quantize(
            Decimal("0.01")
        ),
        "unemployment_rate": (Decimal(unemployment) - fall * Decimal(str(steps))).quantize(
            Decimal("0.01")
        ),
        "addiction_level": problems[0],
        "poverty_level": problems[1],
        "unemployment_level": problems[2],
        "insecurity_level": problems[3],
        "source": SOURCE,
    }


def seed(context: dict) -> dict:
    neighbourhoods = context["neighbourhoods"]
    for key in BASELINE:
        for year, quarter in PERIODS:
            services.indicator_record(
                neighbourhood=neighbourhoods[key],
                year=year,
                quarter=quarter,
                **_figures(key, year, quarter),
            )
    return {}

"""A calendar day's cell is written in Python for speed; it is the markup the template wrote before, escaped alike."""

import datetime as dt
import itertools

from django.template import Context, Template

from public_site.calendar import CalendarDay

# _calendar.html's cell before it moved to CalendarDay.cell_html
TEMPLATE_CELL = Template(
    '<td{% if not day.in_month %} class="outside"{% endif %}>{% if day.url %}<a href="{{ day.url }}" '
    '{% if day.full %}class="full" data-full-day{% else %}data-day{% endif %}="{{ day.date.isoformat }}"'
    '{% if day.selected %} aria-current="date"{% endif %} aria-label="{{ day.label }}">{{ day.date.day }}</a>'
    '{% else %}<span{% if day.in_month %} aria-label="{{ day.label }}"{% endif %}>{{ day.date.day }}</span>'
    '{% endif %}</td>')


def test_every_kind_of_day_cell_is_the_markup_the_template_wrote():
    # given: days in and outside the month, bookable or not, chosen or not, with a link or not, booked out or not,
    # with a label and a link that need escaping
    days = [
        CalendarDay(date=dt.date(2026, 12, 9), in_month=in_month, bookable=bookable, selected=selected, url=url,
                    label='Mittwoch, 9. Dezember 2026: "voll" – <b> & \'x\'', full=full)
        for in_month, bookable, selected, url, full in itertools.product(
            [True, False], [True, False], [True, False], [None, "/s/a/day/2026-12-09/?staff=3&lang=en"], [True, False])
    ]
    # then
    for day in days:
        assert str(day.cell_html()) == TEMPLATE_CELL.render(Context({"day": day})), day


# _calendar.html's table before it moved to MonthCalendar.table_html
TEMPLATE_TABLE = Template(
    '<table>\n    <thead><tr>{% for name in calendar.weekday_names %}<th scope="col">{{ name }}</th>{% endfor %}'
    '</tr></thead>\n    <tbody>\n    {% for week in calendar.weeks %}<tr>\n      {% for day in week %}'
    '{{ day.cell_html }}{% endfor %}\n    </tr>{% endfor %}\n    </tbody>\n  </table>')


def test_the_month_table_is_the_markup_the_template_wrote():
    # given: a month with free, booked-out, chosen and plain days, days of the months around it, in two languages
    from django.utils import translation

    from public_site.calendar import month_calendar

    for language in ("en", "de", "hu"):
        with translation.override(language):
            calendar = month_calendar(
                first_day=dt.date(2026, 12, 1), bookable={dt.date(2026, 12, 9), dt.date(2026, 12, 10)},
                selected=dt.date(2026, 12, 9), first_month=dt.date(2026, 11, 20), last_month=dt.date(2027, 1, 20),
                full={dt.date(2026, 12, 11)},
                day_url=lambda day, code=language: f"/s/a&b/day/{day.isoformat()}/?lang={code}",
                month_url=lambda first: f"/s/a/?month={first:%Y-%m}",
            )
            # then
            assert str(calendar.table_html()) == TEMPLATE_TABLE.render(Context({"calendar": calendar}))

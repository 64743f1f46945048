"""The event registry: every domain event runs exactly the handlers booking_core.event_handlers lists."""

import dataclasses
import inspect

import pytest

from booking_core import event_handlers, events
from booking_core.waitlist.services import offer_preparation


def test_every_event_has_exactly_the_handlers_it_should():
    # given Django started (BookingCoreConfig.ready connected the registry)
    # when we ask what each event runs
    connected = {event_type: events.handlers_of(event_type) for event_type in events.EVENT_TYPES}
    # then
    assert connected == {
        events.SeatsFreed: (event_handlers.offer_freed_seats,),
        events.SlotFreed: (event_handlers.offer_freed_slot,),
        events.SessionCancelled: (offer_preparation.on_session_cancelled,),
        events.ProgrammeChanged: (event_handlers.forget_cached_pages,),
        events.BookingCancelled: (event_handlers.refund_for_cancellation,),
    }
    assert connected == event_handlers.HANDLERS


def test_every_event_defined_is_a_known_event_type():
    # given the event classes booking_core.events defines
    defined = {value for _name, value in inspect.getmembers(events, inspect.isclass)
               if value.__module__ == events.__name__ and dataclasses.is_dataclass(value)}
    # then each is known, and so must be listed in the registry
    assert defined == set(events.EVENT_TYPES) == set(event_handlers.HANDLERS)


def test_a_table_that_leaves_an_event_out_is_refused_and_changes_nothing():
    # given a table without ProgrammeChanged
    table = {event_type: () for event_type in events.EVENT_TYPES if event_type is not events.ProgrammeChanged}
    # when it is connected
    with pytest.raises(ValueError) as refused:
        events.handlers_connect(table)
    # then it is refused, naming the event, and the registry stays connected
    assert str(refused.value) == ("the event handler table does not match the events: "
                                  "missing ['ProgrammeChanged'], unknown []")
    assert events.handlers_of(events.SeatsFreed) == (event_handlers.offer_freed_seats,)


def test_a_table_with_an_unknown_event_is_refused():
    # given a table with a key that is no event of booking_core.events
    table = {**event_handlers.HANDLERS, str: ()}
    # when / then
    with pytest.raises(ValueError) as refused:
        events.handlers_connect(table)
    assert str(refused.value) == "the event handler table does not match the events: missing [], unknown ['str']"
    assert events.handlers_of(events.SlotFreed) == (event_handlers.offer_freed_slot,)

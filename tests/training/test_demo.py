"""The demo's training records show every state, and loading them twice changes nothing."""

from prevent_compliance.devdata import toolkit_demo, training_demo
from toolkit.training import selectors
from toolkit.training.models import Completion, Person
from toolkit.training.status import State


def test_demo_training_is_idempotent_and_shows_every_state(toolkit, today):
    users = toolkit_demo.ensure_users("demo-password-123")
    training_demo.load(users)
    counts = (Person.objects.count(), Completion.objects.count())
    training_demo.load(users)
    assert (Person.objects.count(), Completion.objects.count()) == counts
    states = {row.standing.state for row in selectors.register(today)}
    assert {State.IN_DATE, State.DUE_SOON, State.OVERDUE} <= states
    summary = selectors.summarise(today, selectors.register(today))
    assert 0 < summary.overall.percent < 100
    assert Person.objects.get(name="Olivia Okafor").user == users["officer"]

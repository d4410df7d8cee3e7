"""Label and legend sizes are GOV.UK Frontend's classes (govuk-label--s), not the bare size
("govuk-label s", which styles nothing): crispy-forms' own FormHelper passes a helper's
label_size to the template as it is, so the public log's filters once had the bare one."""

import re

import pytest
from django.urls import reverse

BARE_SIZE = re.compile(r'class="govuk-(?:label|fieldset__legend) (?:s|m|l|xl)[" ]')


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["toolkit:evidence_list", "toolkit:action_list", "decisions:create", "audit:log"],
)
def test_form_pages_use_govuk_size_classes(name, toolkit, client_for, personas):
    user = personas["auditor"] if name == "audit:log" else personas["officer"]
    response = client_for(user).get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert not BARE_SIZE.search(html), BARE_SIZE.search(html).group(0)


def test_the_public_log_filter_labels_are_small(client, db):
    html = client.get(reverse("decisions:public_list")).content.decode()
    assert not BARE_SIZE.search(html)
    assert 'class="govuk-label govuk-label--s"' in html

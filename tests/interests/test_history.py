"""Changes to the register of interests reach the audit log and each record's History page."""

from django.urls import reverse

from prevent_compliance.audit.registry import history_url


def test_register_changes_have_history_for_the_keeper_not_the_officer(
    personas, client_for, register
):
    entry = register.interests.get(organisation="Warwickshire Youth Sailing Trust")
    gift = register.gifts.get(giver="SecureTech Training Ltd")
    for record, words in (
        (register, register.name),
        (entry, entry.organisation),
        (gift, gift.giver),
    ):
        url = history_url(record)
        assert url, f"{type(record).__name__} has no History page"
        page = client_for(personas["chief_executive"]).get(url)
        assert page.status_code == 200
        assert words in page.content.decode()
        assert client_for(personas["officer"]).get(url).status_code in (403, 404)


def test_register_entries_are_in_the_audit_log(personas, client_for, register):
    page = client_for(personas["auditor"]).get(reverse("audit:log"))
    assert page.status_code == 200
    assert "Warwickshire Youth Sailing Trust" in page.content.decode()

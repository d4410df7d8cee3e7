"""The organisation profile: one row, created on first use and cached."""

from prevent_compliance.models import OrganisationProfile, forget_organisation, get_organisation


def test_profile_is_created_with_defaults_on_first_use(db):
    profile = get_organisation()
    assert OrganisationProfile.objects.count() == 1
    assert profile.short_name == "OPCC"
    assert profile.default_marking == "OFFICIAL"


def test_profile_is_cached_until_forgotten(db, django_assert_num_queries):
    get_organisation()
    OrganisationProfile.objects.update(short_name="WMOPCC")
    with django_assert_num_queries(0):
        assert get_organisation().short_name == "OPCC"
    forget_organisation()
    assert get_organisation().short_name == "WMOPCC"
    assert OrganisationProfile.objects.count() == 1


def test_profile_name_is_shown_on_every_page(db, client):
    OrganisationProfile.objects.create(name="Office of the PCC for Westshire", short_name="WPCC")
    content = client.get("/accounts/login/").content.decode()
    assert "Office of the PCC for Westshire" in content
    assert "<title>Sign in – Prevent Compliance – WPCC</title>" in content

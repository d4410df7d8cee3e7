"""Django admin for decision records: read only, whatever the state.

Every change to a decision goes through decisions/services.py, which checks the role and the
workflow state and writes the change reason into the history. The admin would bypass all
three (a decision in consultation or awaiting signature edited after the Treasurer commented,
with no reason recorded), so here a decision, its sections and appendices can be read and
never added, changed or deleted.
"""

from django.contrib import admin

from .models import Appendix, Decision, DecisionRelease, ReferenceCounter, SupportingSection


class ReadOnlyAdminMixin:
    """View permission as the model admin decides; add, change and delete for nobody."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SupportingSectionInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = SupportingSection
    extra = 0


class AppendixInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Appendix
    extra = 0
    fields = [
        "position",
        "title",
        "original_filename",
        "url",
        "is_original_notice",
        "file_size",
        "sha256",
        "withheld",
    ]
    readonly_fields = fields


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "register", "title", "decision_date", "status", "confidentiality"]
    list_filter = ["status", "confidentiality", "source", "decision_maker"]
    search_fields = ["reference", "title"]
    inlines = [SupportingSectionInline, AppendixInline]


@admin.register(SupportingSection)
class SupportingSectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["decision", "position", "heading", "withheld"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["stem", "last_number"]


@admin.register(DecisionRelease)
class DecisionReleaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["decision", "released_on", "scope", "decided_by_name"]

"""Django admin for decision records: a signed (sealed) record can be read, never changed."""

from django.contrib import admin

from .models import Appendix, Decision, ReferenceCounter, SupportingSection


class _SealedInlineMixin:
    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_sealed

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_sealed

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_sealed


class SupportingSectionInline(_SealedInlineMixin, admin.StackedInline):
    model = SupportingSection
    extra = 0


class AppendixInline(_SealedInlineMixin, admin.TabularInline):
    model = Appendix
    extra = 0
    fields = ["position", "title", "original_filename", "file_size", "sha256", "withheld"]
    readonly_fields = ["original_filename", "file_size", "sha256"]

    def has_add_permission(self, request, obj=None):
        # Files arrive only through the validated upload page.
        return False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "decision_date", "status", "confidentiality"]
    list_filter = ["status", "confidentiality", "source"]
    search_fields = ["reference", "title"]
    inlines = [SupportingSectionInline, AppendixInline]
    readonly_fields = [
        "reference",
        "content_hash",
        "hashed_at",
        "signed_by",
        "signed_at",
        "status",
        "source",
    ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_sealed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_sealed:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SupportingSection)
class SupportingSectionAdmin(admin.ModelAdmin):
    list_display = ["decision", "position", "heading", "withheld"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.decision.is_sealed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.decision.is_sealed:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ["stem", "last_number"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

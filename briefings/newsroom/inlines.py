"""
A briefing's sections and citations, as inlines on its change form.

Their formsets run the pre-publish checks on the parts about to be saved, keep what an
editor typed in a row whose part a colleague deleted meanwhile, and name the cited sources
from one query rather than one per row.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property

from briefings import workflow
from briefings.models import Citation, Section, Source
from briefings.newsroom.forms import CitationForm, SectionForm
from briefings.newsroom.publishing import going_live, may_edit
from members import access


class PartFormSet(BaseInlineFormSet):
    """A briefing's sections or citations, checked before the briefing goes live."""

    going_live = False  # set per request by the inline's get_formset
    pending_parts = None  # the live parts a pending change keeps (pending.form_rows)

    def __init__(self, data=None, *args, pending=None, **kwargs):
        if pending is not None:
            # Opened on a pending change: its kept parts, then its new ones.
            self.pending_parts, new_rows = pending
            self.extra = self.extra + len(new_rows)
            kwargs["initial"] = new_rows
        super().__init__(data, *args, **kwargs)
        if self.is_bound and self.instance.pk is not None:
            self.keep_vanished_rows()

    def keep_vanished_rows(self):
        """
        A row whose part a colleague deleted while this form was open comes back as a new
        part, instead of failing on its hidden id: what the editor typed in it is kept.
        Such rows move after the existing ones, because a formset's existing rows come
        first.
        """
        if not hasattr(self.data, "getlist"):
            return  # built in code rather than from a request
        counts = self.posted_counts()
        if counts is None:
            return  # the management form's own validation reports it
        total, initial = counts
        rows = [self.posted_row(i) for i in range(total)]
        existing_rows = rows[: min(initial, total)]
        vanished = self.vanished(existing_rows)
        if not vanished:
            return
        pk_name = self.model._meta.pk.name
        kept = [row for i, row in enumerate(existing_rows) if i not in vanished]
        revived = [
            {k: v for k, v in existing_rows[i].items() if k != pk_name}
            for i in sorted(vanished)
            if not existing_rows[i].get("DELETE")  # deleted here too: nothing to keep
        ]
        self.replace_rows(kept + revived + rows[initial:], initial=len(kept))

    def posted_counts(self) -> tuple[int, int] | None:
        """The posted (total, initial) row counts, or None when they are not numbers."""
        try:
            total = int(self.data.get(f"{self.prefix}-TOTAL_FORMS", ""))
            initial = int(self.data.get(f"{self.prefix}-INITIAL_FORMS", ""))
        except ValueError:
            return None
        return min(total, self.absolute_max), initial

    def posted_row(self, index: int) -> dict[str, list[str]]:
        start = f"{self.prefix}-{index}-"
        return {k[len(start) :]: self.data.getlist(k) for k in self.data if k.startswith(start)}

    def vanished(self, existing_rows) -> set[int]:
        """The indexes of posted existing rows whose part is no longer saved."""
        pk_name = self.model._meta.pk.name
        ids = {
            i: int(row[pk_name][0])
            for i, row in enumerate(existing_rows)
            if row.get(pk_name, [""])[0].isdigit()
        }
        existing = set(
            self.model.objects.filter(briefing=self.instance, pk__in=ids.values()).values_list(
                "pk", flat=True
            )
        )
        return {i for i, pk in ids.items() if pk not in existing}

    def replace_rows(self, ordered, *, initial: int) -> None:
        """Bind the formset to these rows instead of the posted ones."""
        data = self.data.copy()
        for key in [k for k in data if k.startswith(f"{self.prefix}-")]:
            del data[key]
        data[f"{self.prefix}-TOTAL_FORMS"] = str(len(ordered))
        data[f"{self.prefix}-INITIAL_FORMS"] = str(initial)
        data[f"{self.prefix}-MIN_NUM_FORMS"] = self.data.get(f"{self.prefix}-MIN_NUM_FORMS", "0")
        data[f"{self.prefix}-MAX_NUM_FORMS"] = self.data.get(f"{self.prefix}-MAX_NUM_FORMS", "1000")
        for i, row in enumerate(ordered):
            for name, values in row.items():
                data.setlist(f"{self.prefix}-{i}-{name}", values)
        self.data = data
        for cached in ("management_form", "forms"):
            self.__dict__.pop(cached, None)

    def get_queryset(self):
        if self.pending_parts is not None:
            return self.pending_parts
        return super().get_queryset()

    def kept_instances(self):
        return [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def problems(self):
        raise NotImplementedError

    def clean(self):
        super().clean()
        if not self.going_live or any(self.errors):
            return
        problems = self.problems()
        if problems:
            raise ValidationError([problem.message for problem in problems])


class SectionFormSet(PartFormSet):
    def problems(self):
        return workflow.section_problems(self.kept_instances())


class SourceAutocomplete(AutocompleteSelect):
    """
    Admin's autocomplete, naming the selected source from labels its formset fetched once
    for every row, instead of one query per citation.
    """

    labels = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.labels is None or any(v not in self.labels for v in selected):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        options += [
            self.create_option(name, v, self.labels[v], set(selected), len(options))
            for v in selected[:1]
        ]
        return [(None, options, 0)]


class CitationFormSet(PartFormSet):
    @cached_property
    def source_labels(self):
        ids = {str(citation.source_id) for citation in self.get_queryset()}
        if self.is_bound:
            ids |= {
                str(value)
                for key, value in self.data.items()
                if key.startswith(f"{self.prefix}-") and key.endswith("-source")
            }
        sources = Source.objects.filter(pk__in=[i for i in ids if i.isdigit()])
        return {str(source.pk): str(source) for source in sources}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        widget = form.fields["source"].widget
        getattr(widget, "widget", widget).labels = self.source_labels
        return form

    def problems(self):
        return workflow.citation_problems(
            c for c in self.kept_instances() if c.source_id is not None
        )


class BriefingPartInline:
    """Permissions and ordering shared by the section and citation inlines."""

    extra = 1
    ordering = ["position", "id"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.going_live = going_live(request, obj)
        return formset

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_edit(request, obj)


class SectionInline(BriefingPartInline, admin.StackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    verbose_name_plural = "sections (the briefing's body, in order, each with its audience)"


class CitationInline(BriefingPartInline, admin.TabularInline):
    model = Citation
    form = CitationForm
    formset = CitationFormSet
    autocomplete_fields = ["source"]
    verbose_name_plural = (
        f"sources (public titles and links; notes for {access.SOURCE_NOTE_AUDIENCE.label})"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = SourceAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

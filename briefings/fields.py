"""
Model fields for what editors type.

Browsers send a textarea's line endings as \\r\\n; files, the importer and the history keep
\\n. Stored as sent, the same text would compare as changed on its first save from the
admin (the history's "phantom changes") and a restore would bring the other endings back.
`TextField` stores \\n whichever way text comes in: a form (its form field cleans to \\n, so
an unchanged textarea is not reported as changed), `save()`, `bulk_create`, the importer's
COPY and a restore (every write through the model goes through `pre_save`; a queryset's
`update()` does not, so none of ours writes text with it).
"""

from django import forms
from django.db import models


def newlines_normalised(value):
    """Text with every line ending as \\n (\\r\\n and a lone \\r alike); other values as given."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class TextFormField(forms.CharField):
    def to_python(self, value):
        return newlines_normalised(super().to_python(value))


class TextField(models.TextField):
    """A TextField whose stored text always ends its lines with \\n."""

    def pre_save(self, model_instance, add):
        value = newlines_normalised(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def to_python(self, value):
        return newlines_normalised(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": TextFormField, **kwargs})

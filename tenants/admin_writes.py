"""Admin pages that write through services: the admin is one more HTTP layer over the API's services.

Django's ModelAdmin saves the form's instance, its many-to-many fields and every inline formset itself, which
skips the services' rules and their audit entries. `ServiceWritesAdmin` replaces each of those writes
(save_model, save_related, save_formset, delete_model, delete_queryset) with the service calls a subclass
names, and `ServiceWritesInline` does the same for an inline. A service's refusal (ApplicationError) rolls
the whole page back (the admin runs it in one transaction) and the page is shown again with the refusal as
errors on the form or inline row it came from, as a refused form is: nothing is saved, no error page.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.http import HttpResponseRedirect

from allot.errors import ApplicationError


class RefusedWrite(Exception):
    """A service refused a write made for one row of an inline formset."""

    def __init__(self, error: ApplicationError, *, prefix: str, index: int):
        super().__init__(str(error))
        self.error, self.prefix, self.index = error, prefix, index


def _add_refusal(form, error: ApplicationError, *, general: bool) -> None:
    """The refusal's field messages next to their fields; the rest (and, if `general`, its message) on top."""
    leftovers = []
    for name, texts in error.fields.items():
        if name in form.fields:
            form.add_error(name, list(texts))
        else:
            leftovers.append(f"{name}: {' '.join(texts)}")
    if general or leftovers:
        form.add_error(None, " ".join([str(error.message), *leftovers]))


def model_values(form, *, exclude=()) -> dict:
    """The form's cleaned values for the model's own (not many-to-many) fields; as a model form does, a field
    with a default that the submission left out keeps its default."""
    values = {}
    for field in form._meta.model._meta.concrete_fields:
        name = field.name
        if field.primary_key or name in exclude or name not in form.cleaned_data:
            continue
        if field.has_default() and form[name].field.widget.value_omitted_from_data(
                form.data, form.files, form.add_prefix(name)):
            continue
        values[name] = form.cleaned_data[name]
    return values


def changed_values(form, *, exclude=()) -> dict:
    values = model_values(form, exclude=exclude)
    return {name: values[name] for name in form.changed_data if name in values}


class ServiceRefusalsAsFormErrors:
    """A service's refusal shows as errors on the page it came from instead of an error page."""

    refusal_attribute = "_admin_service_refusal"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ApplicationError, RefusedWrite) as error:
            if request.method != "POST" or hasattr(request, self.refusal_attribute):
                return self._refused_as_message(request, error)
            refusal = error
        # The first attempt was rolled back. Validate the same submission again, this time with the
        # refusal as errors, so the page comes back as it was sent, with the messages next to the fields.
        setattr(request, self.refusal_attribute, refusal)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ApplicationError, RefusedWrite) as again:
            return self._refused_as_message(request, again)

    def _refused_as_message(self, request, refusal):
        error = refusal.error if isinstance(refusal, RefusedWrite) else refusal
        details = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.fields.items())
        self.message_user(request, f"{error.message} {details}".strip(), level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, self.refusal_attribute, None)
        if not isinstance(refusal, ApplicationError):
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                _add_refusal(self, refusal, general=True)
                return cleaned

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm

    def get_formsets_with_inlines(self, request, obj=None):
        refusal = getattr(request, self.refusal_attribute, None)
        for formset_class, inline in super().get_formsets_with_inlines(request, obj):
            if isinstance(refusal, RefusedWrite):
                formset_class = _refused_formset(formset_class, refusal)
            yield formset_class, inline

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            self._refused_as_message(request, error)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")


def _refused_formset(formset_class, refusal: RefusedWrite):
    class RefusedFormSet(formset_class):
        def clean(self):
            super().clean()
            if self.prefix != refusal.prefix:
                return
            if refusal.index < len(self.forms):
                _add_refusal(self.forms[refusal.index], refusal.error, general=False)
            raise ValidationError(str(refusal.error.message))

    return RefusedFormSet


class ServiceWritesAdmin(ServiceRefusalsAsFormErrors):
    """A ModelAdmin whose every write is a service call. Subclasses name the services:

    - `create_object(request, form)` returns the new record,
    - `update_object(request, obj, form, changes)` with a fresh copy of the record and the changed values,
    - `delete_object(request, obj)`.
    Inlines are `ServiceWritesInline`s with the same three methods (create gets the parent record).
    A subclass that leaves a method out cannot do that write here (NotImplementedError: a programming
    error, not a page for users: take away the permission instead).
    """

    def create_object(self, request, form) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} cannot add records")

    def update_object(self, request, obj, form, changes: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot change records")

    def delete_object(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot delete records")

    def save_model(self, request, obj, form, change):
        if change:
            changes = changed_values(form)
            if form.changed_data:
                self.update_object(request, self.model._default_manager.get(pk=obj.pk), form, changes)
            return
        created = self.create_object(request, form)
        obj.pk = created.pk  # the admin's log entry and redirect name the new record

    def save_related(self, request, form, formsets, change):
        # No form.save_m2m(): the services set many-to-many fields themselves.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        inline = next(inline for inline in self.get_inline_instances(request, form.instance)
                      if inline.model is formset.model)
        deleted = set(map(id, formset.deleted_forms)) if formset.can_delete else set()
        # What the admin's history message lists (ModelFormSet.save() would have set these).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not isinstance(inline, ServiceWritesInline):
            # A read-only inline (a list shown on the page): nothing to save, and nothing may be.
            if deleted or any(row.has_changed() for row in formset.forms):
                raise ImproperlyConfigured(f"{type(inline).__name__} writes without a service")
            return
        parent = self.model._default_manager.get(pk=formset.instance.pk)
        for index, row in enumerate(formset.forms):
            try:
                inline.save_row(request, parent, row, formset=formset, deleted=id(row) in deleted)
            except ApplicationError as error:
                raise RefusedWrite(error, prefix=formset.prefix, index=index) from error

    def delete_model(self, request, obj):
        self.delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.delete_object(request, obj)
            except ApplicationError as error:
                self.message_user(request, f"{obj}: {error.message}", level=messages.ERROR)


class ServiceWritesInline:
    """An inline whose rows are created, changed and deleted by services (see ServiceWritesAdmin)."""

    def create_object(self, request, parent, form) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} cannot add records")

    def update_object(self, request, obj, form, changes: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot change records")

    def delete_object(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot delete records")

    def save_row(self, request, parent, form, *, formset, deleted: bool) -> None:
        pk = form.instance.pk
        if deleted:
            if pk is not None:
                current = self.model._default_manager.get(pk=pk)
                self.delete_object(request, current)
                formset.deleted_objects.append(current)
        elif pk is None:
            if form.has_changed():
                formset.new_objects.append(self.create_object(request, parent, form))
        elif form.has_changed():
            current = self.model._default_manager.get(pk=pk)
            changes = changed_values(form, exclude=[formset.fk.name])
            self.update_object(request, current, form, changes)
            formset.changed_objects.append((current, list(changes)))


def refuse_in_admin(modeladmin: admin.ModelAdmin, request, error: ApplicationError, *, label: str = "") -> None:
    """An action's refusal for one record, as a message (actions run over many records)."""
    details = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.fields.items())
    prefix = f"{label}: " if label else ""
    modeladmin.message_user(request, f"{prefix}{error.message} {details}".strip(), level=messages.ERROR)
